import type { RecordedEvent, Store } from '../store/store';
import { decideCheckpoint } from './checkpoint';
import { CheckpointStore } from './checkpoint-store';
import { Consumer } from './consumer';
import { type ConsumerStrategy, createStrategy } from './consumer-strategies';
import type { EventSource } from './event-source';
import { newMessage, type OutstandingMessage, replayedMessage, retriedMessage } from './messages';
import { OutstandingMessages } from './outstanding-messages';
import { ParkedMessages } from './parked-messages';
import { LIVE_POSITION } from './position';
import type { GroupSettings } from './settings';
import { StreamBuffer } from './stream-buffer';

/** How a consumer asked to settle messages it could not process (the proto's Nack.Action). */
export type NackAction = 'unknown' | 'park' | 'retry' | 'skip' | 'stop';

/** Where a consumer's messages go: the gRPC call behind it. */
export interface ConsumerLink {
  readonly connectionName: string;
  readonly from: string;
  readonly username: string;
  readonly bufferSize: number;
  deliver(message: OutstandingMessage): void;
  /** The group was shut down (update, delete, restart): end the call as "dropped". */
  dropped(): void;
}

export class MaximumSubscribersReachedError extends Error {}

/**
 * One persistent subscription group, following EventStoreDB's PersistentSubscription:
 * reads its source into a bounded buffer (or takes live events), hands messages to
 * consumers through the strategy, tracks what is unacknowledged, retries and parks, and
 * checkpoints by the real server's rules.
 */
export class SubscriptionGroup {
  readonly id: string;
  readonly consumers = new Map<number, Consumer>();
  readonly outstanding = new OutstandingMessages();
  readonly parked: ParkedMessages;
  readonly buffer: StreamBuffer;
  readonly createdAt: number;
  totalItems = 0;
  /** When GetInfo last measured, and the total then: rates cover the time since the previous GetInfo, as on the real server. */
  measuredAt: number;
  measuredItems = 0;
  lastKnownEventPosition: bigint | undefined;
  lastCheckpointedPosition: bigint | undefined;
  private readonly strategy: ConsumerStrategy;
  private readonly checkpoints: CheckpointStore;
  private readonly links = new Map<number, ConsumerLink>();
  /** Messages being written to the parked stream. */
  private readonly parking = new Map<string, OutstandingMessage>();
  private nextConsumerId = 1;
  private behind = true;
  private pageRequested = false;
  private closed = false;
  private nextReadPosition: bigint;
  private nextSequence = 0;
  private lastCheckpointedSequence = -1;
  private lastKnownSequence = -1;
  private lastKnownMessagePosition: bigint | undefined;
  private lastCheckpointTime = Number.NEGATIVE_INFINITY;

  constructor(
    store: Store,
    readonly source: EventSource,
    readonly groupName: string,
    readonly settings: GroupSettings,
    private readonly now: () => number,
  ) {
    this.id = `${source.name}::${groupName}`;
    this.createdAt = now();
    this.measuredAt = this.createdAt;
    this.strategy = createStrategy(settings.consumerStrategy);
    this.checkpoints = new CheckpointStore(store, this.id, source.kind);
    this.parked = new ParkedMessages(store, this.id);
    const checkpoint = this.checkpoints.load();
    const fromEnd = settings.startFrom === LIVE_POSITION;
    if (checkpoint === undefined) {
      this.nextReadPosition = fromEnd ? 0n : settings.startFrom;
      this.buffer = new StreamBuffer(settings.historyBufferSize, settings.liveBufferSize, undefined, !fromEnd);
    } else {
      // Resume after the checkpointed event, which was handled (the real server skips it on its first read).
      this.nextReadPosition = checkpoint;
      this.nextSequence = 1;
      this.lastCheckpointedSequence = 0;
      this.lastKnownSequence = 0;
      this.lastKnownMessagePosition = checkpoint;
      this.lastCheckpointedPosition = checkpoint;
      this.buffer = new StreamBuffer(settings.historyBufferSize, settings.liveBufferSize, checkpoint, true);
    }
    if (this.buffer.isLive) this.setLive();
    this.tryReadingNewBatch();
  }

  /** The real server's state flags as its Status field prints them. */
  get status(): string {
    const flags: string[] = [];
    if (this.behind) flags.push('Behind');
    if (this.pageRequested) flags.push('OutstandingPageRequest');
    // ReplayingParkedMessages is set on the real server only while it reads the parked stream, which here takes no time.
    if (!this.behind) flags.push('Live');
    return flags.join(', ');
  }

  get isFull(): boolean {
    return this.settings.maxSubscriberCount !== 0 && this.consumers.size >= this.settings.maxSubscriberCount;
  }

  addConsumer(link: ConsumerLink): Consumer {
    if (this.isFull) throw new MaximumSubscribersReachedError();
    const consumer = new Consumer(
      this.nextConsumerId++,
      link.bufferSize,
      link.connectionName,
      link.from,
      link.username,
      (message) => link.deliver(message),
      this.settings.extraStatistics,
    );
    this.consumers.set(consumer.id, consumer);
    this.links.set(consumer.id, link);
    this.strategy.added(consumer);
    this.tryPushing();
    return consumer;
  }

  /** The consumer's call ended: its unacknowledged messages go back to the others, as retries. */
  removeConsumer(consumer: Consumer): void {
    if (!this.consumers.delete(consumer.id)) return;
    this.links.delete(consumer.id);
    this.strategy.removed(consumer);
    const lost = [...consumer.unconfirmed.values()].sort((a, b) => compareRevisions(a.resolved.original, b.resolved.original));
    consumer.unconfirmed.clear();
    for (const message of lost) this.retry(message);
    this.tryPushing();
  }

  acknowledge(consumer: Consumer, ids: readonly string[]): void {
    this.settle(consumer, ids);
    this.afterSettling();
  }

  nack(consumer: Consumer, ids: readonly string[], action: NackAction, reason: string): void {
    for (const id of ids) {
      const message = this.outstanding.get(id);
      switch (action) {
        case 'retry':
        case 'unknown':
          if (message !== undefined && !this.parkIfExhausted(message)) this.retry(message);
          break;
        case 'park':
          if (message !== undefined) this.park(message, `Client explicitly NAK'ed message.\n${reason}`);
          break;
        case 'stop':
          // EventStoreDB 23.10's StopSubscription is a no-op: the message is simply settled below.
          break;
        case 'skip':
          break;
        default: {
          const unknown: never = action;
          throw new Error(`unknown nack action ${String(unknown)}`);
        }
      }
    }
    this.settle(consumer, ids);
    this.afterSettling();
  }

  /**
   * The live feed: records of the source were appended to the store, in one commit. They are
   * all buffered before any is pushed, and a run of filtered-out records is counted in one
   * step: one pass over the buffer and one checkpoint decision per commit, not per record.
   */
  onAppended(records: readonly RecordedEvent[]): void {
    if (this.closed) return;
    let added = false;
    let skippedCount = 0;
    let lastSkipped = 0n;
    for (const record of records) {
      const position = this.source.positionOf(record);
      if (this.settings.startFrom !== LIVE_POSITION && position < this.settings.startFrom) continue;
      if (!this.source.passesFilter(record)) {
        if (this.source.countsAsSkipped(record)) {
          skippedCount++;
          lastSkipped = position;
        }
        continue;
      }
      if (skippedCount > 0) this.skipped(lastSkipped, skippedCount);
      skippedCount = 0;
      added = this.addLive(record, position) || added;
    }
    if (skippedCount > 0) this.skipped(lastSkipped, skippedCount);
    if (added) this.tryPushing();
  }

  /** Buffers one appended record that passed the filter; false when the group already has it. */
  private addLive(record: RecordedEvent, position: bigint): boolean {
    if (this.lastKnownEventPosition !== undefined && position <= this.lastKnownEventPosition && this.buffer.isLive) return false;
    this.noteKnown(position);
    const wasLive = this.buffer.isLive;
    this.buffer.addLive(newMessage(this.source.resolve(record), position));
    if (!this.buffer.isLive) {
      this.setBehind();
      if (wasLive) this.nextReadPosition = position;
    }
    return true;
  }

  /** The periodic sweep: message timeouts, time-based checkpoints, and resuming reads. */
  tick(): void {
    if (this.closed) return;
    for (const message of this.outstanding.expire(this.now())) {
      if (!this.parkIfExhausted(message)) this.retry(message);
    }
    this.tryPushing();
    this.tryMarkCheckpoint(true);
    if (this.behind && !this.pageRequested) this.tryReadingNewBatch();
  }

  /** Re-delivers parked messages ahead of new ones; the parked stream is truncated past each once it is settled. */
  replayParked(stopAt: bigint | undefined): void {
    for (const resolved of this.parked.takeForReplay(stopAt)) this.buffer.addRetry(replayedMessage(resolved));
    this.tryPushing();
  }

  /** Stops the group and drops its consumers (update, delete, restart, close). */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const [id, link] of this.links) {
      this.links.delete(id);
      this.consumers.delete(id);
      link.dropped();
    }
    await this.checkpoints.flush();
  }

  async deleteState(): Promise<void> {
    await this.checkpoints.delete();
    await this.parked.delete();
  }

  private settle(from: Consumer, ids: readonly string[]): void {
    for (const id of ids) {
      if (!from.confirm(id)) this.confirmAnywhere(id);
      const message = this.outstanding.get(id);
      this.outstanding.remove(id);
      // A replayed message being parked again is settled once its new link is stored (see park).
      if (message?.replayed && !this.parking.has(id)) this.parked.replayed(message.resolved);
    }
  }

  private afterSettling(): void {
    this.tryMarkCheckpoint(false);
    this.tryReadingNewBatch();
    this.tryPushing();
  }

  private confirmAnywhere(id: string): void {
    for (const consumer of this.consumers.values()) if (consumer.confirm(id)) return;
  }

  private retry(message: OutstandingMessage): void {
    this.outstanding.remove(message.id);
    this.confirmAnywhere(message.id);
    this.buffer.addRetry(retriedMessage(message));
  }

  private parkIfExhausted(message: OutstandingMessage): boolean {
    if (message.retryCount < this.settings.maxRetryCount) return false;
    this.park(message, `Reached retry count of ${this.settings.maxRetryCount}`);
    return true;
  }

  private park(message: OutstandingMessage, reason: string): void {
    // Until the parked link is in the store, the message holds the checkpoint back: a crash in
    // between must not lose it. (The real server lets the checkpoint pass it at once.)
    this.parking.set(message.id, message);
    this.parked
      .park(message.resolved, reason)
      .then(
        () => true,
        () => false,
      )
      .then((stored) => {
        this.parking.delete(message.id);
        this.outstanding.remove(message.id);
        this.confirmAnywhere(message.id);
        // A replayed message whose new link could not be stored keeps its old one.
        if (stored && message.replayed) this.parked.replayed(message.resolved);
        this.tryPushing();
      });
  }

  private skipped(position: bigint, count: number): void {
    // Checkpointing past filtered-out events is only safe when nothing before them is pending.
    if (this.outstanding.count > 0 || this.parking.size > 0 || this.buffer.retryCount > 0 || this.buffer.readCount > 0) return;
    this.lastKnownMessagePosition = position;
    this.nextSequence += count;
    this.lastKnownSequence = this.nextSequence - 1;
    this.tryMarkCheckpoint(false);
  }

  private noteKnown(position: bigint): void {
    if (this.lastKnownEventPosition === undefined || position > this.lastKnownEventPosition) this.lastKnownEventPosition = position;
  }

  private setLive(): void {
    this.behind = false;
  }

  private setBehind(): void {
    this.behind = true;
  }

  private tryReadingNewBatch(): void {
    if (this.closed || this.pageRequested) return;
    if (this.buffer.isLive) {
      this.setLive();
      return;
    }
    if (!this.buffer.canAccept(this.settings.readBatchSize)) return;
    this.pageRequested = true;
    // Reads run on a later turn, as the real server's are asynchronous: a long catch-up never blocks the loop.
    setImmediate(() => this.readBatch());
  }

  private readBatch(): void {
    this.pageRequested = false;
    if (this.closed || this.buffer.isLive) return;
    const read = this.source.read(this.nextReadPosition, this.settings.readBatchSize);
    for (const resolved of read.events) {
      const position = this.source.positionOf(resolved.original);
      this.buffer.addRead(newMessage(resolved, position));
      this.noteKnown(position);
    }
    if (read.events.length === 0 && read.skippedAfterLast > 0 && read.lastScanned !== undefined) {
      this.skipped(read.lastScanned, read.skippedAfterLast);
    }
    this.nextReadPosition = read.next;
    if (this.buffer.isLive || (read.endOfSource && this.buffer.tryMoveToLive())) this.setLive();
    this.tryReadingNewBatch();
    this.tryPushing();
  }

  private tryPushing(): void {
    if (this.closed || this.consumers.size === 0) return;
    for (const buffered of this.buffer.scan()) {
      let message = buffered.message;
      const fresh = message.sequence === undefined && !message.replayed;
      if (fresh) message = { ...message, sequence: this.nextSequence, previousPosition: this.lastKnownMessagePosition };
      const result = this.strategy.push(message);
      if (result === 'full') return;
      if (result === 'skipped') continue;
      buffered.take();
      if (fresh) this.nextSequence++;
      this.beginProcessing(message);
    }
  }

  private beginProcessing(message: OutstandingMessage): void {
    this.totalItems++;
    if (message.sequence !== undefined && message.sequence > this.lastKnownSequence) {
      this.lastKnownSequence = message.sequence;
      this.lastKnownMessagePosition = message.position;
    }
    const timeout = this.settings.messageTimeoutMs === 0 ? Number.POSITIVE_INFINITY : this.settings.messageTimeoutMs;
    this.outstanding.start(message, this.now() + timeout);
  }

  private tryMarkCheckpoint(isTimeCheck: boolean): void {
    const lowestOutstanding = this.outstanding.lowest();
    const lowestRetry = this.buffer.lowestRetry();
    let lowest = lowestOutstanding;
    const consider = (candidate: OutstandingMessage | undefined): void => {
      if (candidate?.sequence === undefined || candidate.replayed) return;
      if (lowest === undefined || candidate.sequence < lowest.sequence!) lowest = candidate;
    };
    consider(lowestRetry);
    if (this.parking.size > 0) for (const message of this.parking.values()) consider(message);
    const now = this.now();
    const decision = decideCheckpoint(
      {
        lowestPending: lowest === undefined ? undefined : { sequence: lowest.sequence!, previousPosition: lowest.previousPosition },
        lastKnownSequence: this.lastKnownSequence,
        lastKnownPosition: this.lastKnownMessagePosition,
        lastCheckpointedSequence: this.lastCheckpointedSequence,
        lastCheckpointTime: this.lastCheckpointTime,
      },
      this.settings,
      now,
      isTimeCheck,
    );
    if (decision === undefined) return;
    this.lastCheckpointTime = now;
    this.lastCheckpointedSequence = decision.sequence;
    this.lastCheckpointedPosition = decision.position;
    this.checkpoints.write(decision.position);
  }
}

function compareRevisions(a: RecordedEvent, b: RecordedEvent): number {
  return a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : 0;
}
