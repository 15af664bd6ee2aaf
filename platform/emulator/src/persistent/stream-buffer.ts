import type { OutstandingMessage } from './messages';

interface Node {
  readonly message: OutstandingMessage;
  prev: Node | undefined;
  next: Node | undefined;
  list: MessageList | undefined;
}

/** A doubly linked list: messages leave from anywhere (a pinned consumer may pass over one). */
class MessageList {
  head: Node | undefined;
  tail: Node | undefined;
  size = 0;

  append(message: OutstandingMessage): void {
    this.insertBefore(undefined, message);
  }

  insertBefore(before: Node | undefined, message: OutstandingMessage): void {
    const node: Node = { message, prev: before === undefined ? this.tail : before.prev, next: before, list: this };
    if (node.prev === undefined) this.head = node;
    else node.prev.next = node;
    if (before === undefined) this.tail = node;
    else before.prev = node;
    this.size++;
  }

  remove(node: Node): void {
    if (node.prev === undefined) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.tail = node.prev;
    else node.next.prev = node.prev;
    node.list = undefined;
    this.size--;
  }
}

/** A buffered message handed out by {@link StreamBuffer.scan}; `take()` removes it once sent. */
export interface BufferedMessage {
  readonly message: OutstandingMessage;
  take(): void;
}

/**
 * A group's read-ahead, as EventStoreDB's StreamBuffer: retries first, then events read
 * from history (bounded by historyBufferSize), and a bounded queue of live events that
 * arrive while the group is still catching up. When a read reaches the first live event
 * the live queue becomes the read buffer and the group is live.
 */
export class StreamBuffer {
  private readonly retry = new MessageList();
  private readonly read = new MessageList();
  private readonly live: OutstandingMessage[] = [];
  private liveHead = 0;
  isLive: boolean;

  constructor(
    private readonly maxBufferSize: number,
    private readonly maxLiveBufferSize: number,
    /** Events at or before this position were already handled (the loaded checkpoint). */
    private readonly initialPosition: bigint | undefined,
    startInHistory: boolean,
  ) {
    this.isLive = !startInHistory;
  }

  get retryCount(): number {
    return this.retry.size;
  }

  get readCount(): number {
    return this.read.size;
  }

  get liveCount(): number {
    return this.live.length - this.liveHead;
  }

  canAccept(count: number): boolean {
    return this.maxBufferSize - (this.retry.size + this.read.size) > count;
  }

  /** Retries go before any later message; replayed parked messages go last. */
  addRetry(message: OutstandingMessage): void {
    if (message.replayed || message.position === undefined) {
      this.retry.append(message);
      return;
    }
    for (let node = this.retry.head; node !== undefined; node = node.next) {
      const at = node.message.position;
      if (at !== undefined && message.position < at) {
        this.retry.insertBefore(node, message);
        return;
      }
    }
    this.retry.append(message);
  }

  addLive(message: OutstandingMessage): void {
    if (this.isLive) {
      if (this.read.size < this.maxBufferSize) this.read.append(message);
      else this.isLive = false;
    }
    this.live.push(message);
    if (this.liveCount > this.maxLiveBufferSize) this.liveHead++;
    this.compactLive();
  }

  addRead(message: OutstandingMessage): void {
    if (this.isLive) return;
    const position = message.position!;
    if (this.initialPosition !== undefined && position <= this.initialPosition) return;
    const firstLive = this.liveCount === 0 ? undefined : this.live[this.liveHead]!.position!;
    if (firstLive === undefined || position < firstLive) {
      this.read.append(message);
      return;
    }
    while (this.liveCount > 0 && this.live[this.liveHead]!.position! < position) this.liveHead++;
    this.switchToLive();
  }

  /** At the end of the source: live when nothing arrived meanwhile, else keep reading. */
  tryMoveToLive(): boolean {
    if (this.liveCount === 0) {
      this.isLive = true;
      return true;
    }
    return false;
  }

  *scan(): Generator<BufferedMessage> {
    for (const list of [this.retry, this.read]) {
      let node = list.head;
      while (node !== undefined) {
        const current = node;
        node = node.next;
        yield {
          message: current.message,
          take: () => {
            if (current.list !== undefined) current.list.remove(current);
          },
        };
      }
    }
  }

  /** The retry with the lowest sequence: a checkpoint must stay before it. */
  lowestRetry(): OutstandingMessage | undefined {
    let lowest: OutstandingMessage | undefined;
    for (let node = this.retry.head; node !== undefined; node = node.next) {
      const m = node.message;
      if (m.replayed || m.sequence === undefined) continue;
      if (lowest === undefined || m.sequence < lowest.sequence!) lowest = m;
    }
    return lowest;
  }

  private switchToLive(): void {
    for (let i = this.liveHead; i < this.live.length; i++) this.read.append(this.live[i]!);
    this.live.length = 0;
    this.liveHead = 0;
    this.isLive = true;
  }

  private compactLive(): void {
    if (this.liveHead > 1024 && this.liveHead * 2 > this.live.length) {
      this.live.splice(0, this.liveHead);
      this.liveHead = 0;
    }
  }
}
