import type { OutstandingMessage } from './messages';

interface Entry {
  readonly message: OutstandingMessage;
  readonly expires: number;
}

/**
 * Messages delivered and not yet settled (EventStoreDB's OutstandingMessageCache): by id
 * for acks, by sequence for the checkpoint (a min-heap), and by expiry for the timeout
 * sweep. One group has one message timeout, so expiries only grow and a FIFO queue
 * orders them; entries settled meanwhile are skipped lazily.
 */
export class OutstandingMessages {
  private readonly byId = new Map<string, Entry>();
  private readonly sequences: number[] = [];
  private readonly bySequence = new Map<number, OutstandingMessage>();
  private expiries: Entry[] = [];
  private expiryHead = 0;

  get count(): number {
    return this.byId.size;
  }

  get(id: string): OutstandingMessage | undefined {
    return this.byId.get(id)?.message;
  }

  /** False when a message with the same id is already outstanding (the real server skips the duplicate). */
  start(message: OutstandingMessage, expires: number): boolean {
    if (this.byId.has(message.id)) return false;
    const entry = { message, expires };
    this.byId.set(message.id, entry);
    this.expiries.push(entry);
    if (message.sequence !== undefined && !message.replayed) {
      this.bySequence.set(message.sequence, message);
      this.heapPush(message.sequence);
    }
    return true;
  }

  remove(id: string): void {
    const entry = this.byId.get(id);
    if (entry === undefined) return;
    this.byId.delete(id);
    if (entry.message.sequence !== undefined && this.bySequence.get(entry.message.sequence) === entry.message) {
      this.bySequence.delete(entry.message.sequence);
    }
  }

  /** Removes and returns the messages whose time ran out. */
  expire(now: number): OutstandingMessage[] {
    const expired: OutstandingMessage[] = [];
    while (this.expiryHead < this.expiries.length) {
      const entry = this.expiries[this.expiryHead]!;
      if (entry.expires > now) break;
      this.expiryHead++;
      if (this.byId.get(entry.message.id) === entry) {
        this.remove(entry.message.id);
        expired.push(entry.message);
      }
    }
    if (this.expiryHead > 1024 && this.expiryHead * 2 > this.expiries.length) {
      this.expiries = this.expiries.slice(this.expiryHead);
      this.expiryHead = 0;
    }
    return expired;
  }

  /** The unsettled message with the lowest sequence: the checkpoint must stay before it. */
  lowest(): OutstandingMessage | undefined {
    while (this.sequences.length > 0) {
      const message = this.bySequence.get(this.sequences[0]!);
      if (message !== undefined) return message;
      this.heapPop();
    }
    return undefined;
  }

  private heapPush(value: number): void {
    const heap = this.sequences;
    heap.push(value);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= value) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = value;
  }

  private heapPop(): void {
    const heap = this.sequences;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]! < heap[left]! ? right : left;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
