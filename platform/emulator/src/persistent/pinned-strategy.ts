import type { Consumer } from './consumer';
import type { ConsumerStrategy, PushResult } from './consumer-strategies';
import type { OutstandingMessage, ResolvedEvent } from './messages';
import type { ConsumerStrategyName } from './settings';
import { hashStreamId } from './stream-hash';

/** The real server splits the key space into this many buckets, each pinned to one consumer. */
const BUCKET_COUNT = 1024;

interface PinnedNode {
  readonly consumer: Consumer;
  connected: boolean;
  assignments: number;
}

interface Bucket {
  node: PinnedNode | undefined;
  /** False once the node disconnected: the bucket is reassigned on its next message. */
  assigned: boolean;
  inFlight: number;
}

/**
 * Pinned and PinnedByCorrelation: a key (source stream, or correlation id) hashes to a
 * bucket, a bucket belongs to one consumer, so one key's messages reach one consumer in
 * order. A new consumer takes buckets from the busiest ones (idle buckets first); a
 * disconnected consumer's buckets go to whoever has fewest on their next message.
 */
export class PinnedStrategy implements ConsumerStrategy {
  private readonly nodes: PinnedNode[] = [];
  private readonly buckets: Bucket[] = Array.from({ length: BUCKET_COUNT }, () => ({ node: undefined, assigned: false, inFlight: 0 }));
  private assignmentCount = 0;
  /**
   * Each event's bucket, hashed once: a buffered message is offered again after every ack
   * while its consumer is full, and settled once per delivery (retries share the event).
   */
  private readonly bucketIndex = new WeakMap<ResolvedEvent, number>();

  constructor(
    readonly name: ConsumerStrategyName,
    private readonly keyOf: (message: OutstandingMessage) => string,
  ) {}

  added(consumer: Consumer): void {
    const node: PinnedNode = { consumer, connected: true, assignments: 0 };
    this.nodes.push(node);
    consumer.onConfirmed = (_c, message) => {
      const bucket = this.buckets[this.bucketOf(message)]!;
      if (bucket.node === node) bucket.inFlight--;
    };
    const connected = this.nodes.filter((n) => n.connected).length;
    const fairShare = Math.ceil(this.assignmentCount / connected);
    for (const other of this.nodes) {
      if (other === node || !other.connected || other.assignments <= fairShare) continue;
      const owned = this.buckets
        .map((bucket, index) => ({ bucket, index }))
        .filter(({ bucket }) => bucket.node === other && bucket.assigned)
        .sort((a, b) => a.bucket.inFlight - b.bucket.inFlight)
        .slice(0, other.assignments - fairShare);
      for (const { index } of owned) this.assign(index, node);
    }
    this.forgetIdleNodes();
  }

  removed(consumer: Consumer): void {
    const node = this.nodes.find((n) => n.consumer === consumer && n.connected);
    if (node === undefined) return;
    node.connected = false;
    consumer.onConfirmed = undefined;
    this.assignmentCount -= node.assignments;
    for (const bucket of this.buckets) {
      if (bucket.node === node) {
        bucket.assigned = false;
        bucket.inFlight = 0;
      }
    }
  }

  push(message: OutstandingMessage): PushResult {
    let capacity = 0;
    for (const node of this.nodes) if (node.connected) capacity += node.consumer.maxInFlight - node.consumer.inFlight;
    if (capacity <= 0) return 'full';
    const index = this.bucketOf(message);
    const bucket = this.buckets[index]!;
    if (!bucket.assigned) this.assign(index, this.leastAssigned());
    if (!bucket.node!.consumer.push(message)) return 'skipped';
    bucket.inFlight++;
    return 'sent';
  }

  private bucketOf(message: OutstandingMessage): number {
    let index = this.bucketIndex.get(message.resolved);
    if (index === undefined) {
      index = hashStreamId(this.keyOf(message)) % BUCKET_COUNT;
      this.bucketIndex.set(message.resolved, index);
    }
    return index;
  }

  private leastAssigned(): PinnedNode {
    let best: PinnedNode | undefined;
    for (const node of this.nodes) if (node.connected && (best === undefined || node.assignments < best.assignments)) best = node;
    return best!;
  }

  private assign(index: number, node: PinnedNode): void {
    const bucket = this.buckets[index]!;
    if (!bucket.assigned) this.assignmentCount++;
    if (bucket.node !== undefined) bucket.node.assignments--;
    bucket.node = node;
    bucket.assigned = true;
    node.assignments++;
  }

  private forgetIdleNodes(): void {
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i]!;
      if (!node.connected && node.assignments === 0) this.nodes.splice(i, 1);
    }
  }
}
