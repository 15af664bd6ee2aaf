import { randomUUID } from 'node:crypto';
import { Batch } from './batch';
import { type CommitDecision, type CommitView, checkCommit } from './commit-check';
import type { Journal } from './journal';
import { FILE_HEADER_SIZE } from './log-format';
import type { AppendOutcome, DeleteOutcome, ExpectedState, ProposedEvent, RecordedEvent, Store, StreamState } from './store';
import {
  DELETED_STREAM,
  METASTREAM_LIMITS,
  NO_LIMITS,
  parseLimits,
  type StreamLimits,
  softDeleteMetadata,
  withTruncateBefore,
} from './stream-metadata';

/**
 * How many event ids the idempotency check remembers for `any` / `stream_exists` appends.
 * EventStoreDB keeps a bounded cache of recently committed events for the same purpose.
 */
const RECENT_IDS_CAPACITY = 1_000_000;
const TICKS_PER_MS = 10_000n;
const METADATA_TYPE = '$metadata';
const TOMBSTONE_TYPE = '$streamDeleted';
const JSON_TYPE = 'application/json';
const BINARY_TYPE = 'application/octet-stream';
const EMPTY = new Uint8Array(0);

interface StreamRecord {
  /** Every event ever written, acknowledged or not: `events[r].revision === r`. */
  readonly events: RecordedEvent[];
  /** How many of `events` are durable (readers see only those). */
  durableLength: number;
  tombstone: RecordedEvent | undefined;
  durableTombstone: boolean;
}

interface PendingWaiter {
  readonly position: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export interface EventStoreOptions {
  readonly journal: Journal;
  /** Milliseconds since the epoch; tests pass a fake clock to exercise `$maxAge`. */
  readonly now?: () => number;
}

export const isMetastream = (streamId: string): boolean => streamId.startsWith('$$');

/**
 * The event store behind both modes: streams, `$all`, expected-revision checks, deletes and
 * metadata, with every append handed to a Journal and made visible once it is durable.
 */
export class EventStore implements Store {
  private readonly journal: Journal;
  private readonly now: () => number;
  private readonly streams = new Map<string, StreamRecord>();
  /** `$all`: every event in position order; `log[0..durableCount)` are acknowledged. */
  private readonly log: RecordedEvent[] = [];
  private readonly logPositions: number[] = [];
  private durableCount = 0;
  private durableHead: number = FILE_HEADER_SIZE;
  private nextPosition: number = FILE_HEADER_SIZE;
  private readonly recentIds = new Map<string, RecordedEvent>();
  private readonly listeners = new Set<(events: readonly RecordedEvent[]) => void>();
  private waiters: PendingWaiter[] = [];
  private failure: Error | undefined;
  private closed = false;

  constructor(options: EventStoreOptions) {
    this.journal = options.journal;
    this.now = options.now ?? Date.now;
  }

  /**
   * Replays events read back from the log at start-up (already durable, already checked),
   * rebuilding every index. `end` is where the next record goes.
   */
  restore(events: readonly RecordedEvent[], end: number): void {
    this.index(events);
    this.markDurable(events);
    this.durableCount = this.log.length;
    this.durableHead = end;
    this.nextPosition = end;
  }

  async append(streamId: string, expected: ExpectedState, events: readonly ProposedEvent[]): Promise<AppendOutcome> {
    this.assertWritable();
    const stream = this.streams.get(streamId);
    const current = stream ? stream.events.length - 1 : -1;
    const decision = checkCommit(
      streamId,
      expected,
      events.map((e) => e.id),
      this.commitView(streamId, stream),
    );
    switch (decision.kind) {
      case 'wrong_expected_version':
        return { kind: 'wrong_expected_version', actual: current >= 0 ? BigInt(current) : undefined };
      case 'deleted':
        return { kind: 'stream_deleted' };
      case 'idempotent':
        await this.waitDurable(Number(decision.last.position));
        return { kind: 'success', nextRevision: decision.last.revision, position: decision.last.position };
      case 'ok':
        break;
      default:
        return assertNever(decision);
    }

    const created = this.createdNow();
    const batch = this.startBatch();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      batch.addEvent(streamId, BigInt(current + 1 + i), e, created);
    }
    const last = batch.events.at(-1);
    this.undeleteIfNeeded(batch, streamId, decision, current, created);
    if (batch.events.length === 0) {
      // Nothing to write: EventStoreDB answers an empty append with the stream's state.
      return { kind: 'success', nextRevision: BigInt(current), position: BigInt(this.durableHead) };
    }
    await this.commit(batch);
    return {
      kind: 'success',
      nextRevision: BigInt(current + events.length),
      position: last ? last.position : BigInt(this.durableHead),
    };
  }

  async delete(streamId: string, expected: ExpectedState): Promise<DeleteOutcome> {
    this.assertWritable();
    const stream = this.streams.get(streamId);
    const current = stream ? stream.events.length - 1 : -1;
    const refused = this.checkDelete(streamId, stream, expected, current);
    if (refused) return refused;
    const metastreamId = `$$${streamId}`;
    const metaCurrent = (this.streams.get(metastreamId)?.events.length ?? 0) - 1;
    // Soft-deleting a stream that has neither events nor metadata is a conflict
    // (StorageWriterService, WriteDelete).
    if (current < 0 && metaCurrent < 0) return { kind: 'wrong_expected_version', actual: undefined };
    const batch = this.startBatch();
    const event = batch.add({
      streamId: metastreamId,
      revision: BigInt(metaCurrent + 1),
      id: randomUUID(),
      type: METADATA_TYPE,
      contentType: JSON_TYPE,
      data: softDeleteMetadata(),
      metadata: EMPTY,
      created: this.createdNow(),
    });
    await this.commit(batch);
    return { kind: 'success', position: event.position };
  }

  async tombstone(streamId: string, expected: ExpectedState): Promise<DeleteOutcome> {
    this.assertWritable();
    const stream = this.streams.get(streamId);
    const current = stream ? stream.events.length - 1 : -1;
    const refused = this.checkDelete(streamId, stream, expected, current);
    if (refused) return refused;
    const batch = this.startBatch();
    const event = batch.add({
      streamId,
      revision: DELETED_STREAM,
      id: randomUUID(),
      type: TOMBSTONE_TYPE,
      contentType: BINARY_TYPE,
      data: EMPTY,
      metadata: EMPTY,
      created: this.createdNow(),
    });
    await this.commit(batch);
    return { kind: 'success', position: event.position };
  }

  readStream(streamId: string, from: bigint, direction: 'forwards' | 'backwards', maxCount: bigint): readonly RecordedEvent[] {
    const stream = this.streams.get(streamId);
    if (!stream || stream.durableLength === 0 || maxCount <= 0n) return [];
    const limits = this.limitsOf(streamId, true);
    if (limits.truncateBefore === Number.POSITIVE_INFINITY) return [];
    const last = stream.durableLength - 1;
    let first = limits.truncateBefore ?? 0;
    if (limits.maxCount !== undefined) first = Math.max(first, last - limits.maxCount + 1);
    const cutoff = limits.maxAge !== undefined ? this.createdNow() - BigInt(limits.maxAge) * 1000n * TICKS_PER_MS : undefined;
    const limit = maxCount > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(maxCount);
    const out: RecordedEvent[] = [];
    if (direction === 'forwards') {
      const start = from > BigInt(last) ? last + 1 : Math.max(first, Number(from));
      for (let r = start; r <= last && out.length < limit; r++) {
        const event = stream.events[r]!;
        if (cutoff === undefined || event.created >= cutoff) out.push(event);
      }
    } else {
      const start = from > BigInt(last) ? last : Number(from);
      for (let r = start; r >= first && out.length < limit; r--) {
        const event = stream.events[r]!;
        if (cutoff === undefined || event.created >= cutoff) out.push(event);
      }
    }
    return out;
  }

  readAll(from: bigint, direction: 'forwards' | 'backwards', maxCount: bigint): readonly RecordedEvent[] {
    if (maxCount <= 0n) return [];
    const limit = maxCount > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(maxCount);
    const index = this.lowerBound(from > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(from));
    if (direction === 'forwards') return this.log.slice(index, Math.min(this.durableCount, index + limit));
    const out: RecordedEvent[] = [];
    for (let i = index - 1; i >= 0 && out.length < limit; i--) out.push(this.log[i]!);
    return out;
  }

  streamState(streamId: string): StreamState {
    const stream = this.streams.get(streamId);
    if (!stream) return { lastRevision: undefined, tombstoned: false };
    const softDeleted = this.limitsOf(streamId, true).truncateBefore === Number.POSITIVE_INFINITY;
    const lastRevision = stream.durableLength > 0 && !softDeleted ? BigInt(stream.durableLength - 1) : undefined;
    return { lastRevision, tombstoned: stream.durableTombstone };
  }

  headPosition(): bigint {
    return BigInt(this.durableHead);
  }

  onAppended(listener: (events: readonly RecordedEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.journal.close();
    this.listeners.clear();
  }

  private assertWritable(): void {
    if (this.closed) throw new Error('the event store is closed');
    if (this.failure) throw new Error('the event store stopped after a failed write', { cause: this.failure });
  }

  private createdNow(): bigint {
    return BigInt(this.now()) * TICKS_PER_MS;
  }

  /** The write-side view: includes appends not yet durable, as EventStoreDB's index writer does. */
  private commitView(streamId: string, stream: StreamRecord | undefined): CommitView {
    return {
      current: stream ? stream.events.length - 1 : -1,
      tombstoned: stream?.tombstone !== undefined,
      softDeleted: this.limitsOf(streamId, false).truncateBefore === Number.POSITIVE_INFINITY,
      hasMetadata: (this.streams.get(`$$${streamId}`)?.events.length ?? 0) > 0,
      eventAt: (revision) => stream?.events[revision],
      recentEvent: (id) => this.recentIds.get(id),
    };
  }

  private checkDelete(
    streamId: string,
    stream: StreamRecord | undefined,
    expected: ExpectedState,
    current: number,
  ): DeleteOutcome | undefined {
    // A delete is checked like an append of one new event (StorageWriterService, WriteDelete).
    const decision = checkCommit(streamId, expected, [randomUUID()], this.commitView(streamId, stream));
    if (decision.kind === 'wrong_expected_version') {
      return { kind: 'wrong_expected_version', actual: current >= 0 ? BigInt(current) : undefined };
    }
    if (decision.kind === 'deleted') return { kind: 'stream_deleted' };
    return undefined;
  }

  /**
   * Writing to a soft-deleted stream recreates it: `$tb` moves to the first new revision,
   * other metadata is kept. Writing new metadata to a soft-deleted stream's metastream
   * recreates it empty. (StorageWriterService.SoftUndeleteStream / SoftUndeleteMetastream.)
   */
  private undeleteIfNeeded(batch: Batch, streamId: string, decision: CommitDecision, current: number, created: bigint): void {
    if (decision.kind === 'ok' && decision.softDeleted) {
      this.writeTruncateBefore(batch, streamId, BigInt(current + 1), created);
    }
    if (isMetastream(streamId) && batch.events.length > 0) {
      const original = streamId.slice(2);
      // The batch is not indexed yet, so this asks whether the stream was soft-deleted before it.
      if (this.limitsOf(original, false).truncateBefore === Number.POSITIVE_INFINITY) {
        const originalCurrent = (this.streams.get(original)?.events.length ?? 0) - 1;
        this.writeTruncateBefore(batch, original, BigInt(originalCurrent + 1), created);
      }
    }
  }

  private writeTruncateBefore(batch: Batch, streamId: string, truncateBefore: bigint, created: bigint): void {
    const metastreamId = `$$${streamId}`;
    const previous = batch.lastOf(metastreamId) ?? this.streams.get(metastreamId)?.events.at(-1);
    const revision = previous ? previous.revision + 1n : 0n;
    batch.add({
      streamId: metastreamId,
      revision,
      id: randomUUID(),
      type: METADATA_TYPE,
      contentType: JSON_TYPE,
      data: withTruncateBefore(previous?.data, truncateBefore),
      metadata: EMPTY,
      created,
    });
  }

  /**
   * Limits from the stream's metadata. `durableOnly` is the reader's view; the writer's view
   * also counts metadata not yet durable (but not the batch being built).
   */
  private limitsOf(streamId: string, durableOnly: boolean): StreamLimits {
    if (isMetastream(streamId)) return METASTREAM_LIMITS;
    const meta = this.streams.get(`$$${streamId}`);
    if (!meta) return NO_LIMITS;
    const length = durableOnly ? meta.durableLength : meta.events.length;
    const last = meta.events[length - 1];
    return last ? parseLimits(last.data) : NO_LIMITS;
  }

  private startBatch(): Batch {
    return new Batch(this.nextPosition);
  }

  private streamRecord(streamId: string): StreamRecord {
    let stream = this.streams.get(streamId);
    if (!stream) {
      stream = { events: [], durableLength: 0, tombstone: undefined, durableTombstone: false };
      this.streams.set(streamId, stream);
    }
    return stream;
  }

  private index(events: readonly RecordedEvent[]): void {
    let stream: StreamRecord | undefined;
    let streamId: string | undefined;
    for (const event of events) {
      if (event.streamId !== streamId) {
        streamId = event.streamId;
        stream = this.streamRecord(streamId);
      }
      if (event.revision === DELETED_STREAM) stream!.tombstone = event;
      else stream!.events.push(event);
      this.log.push(event);
      this.logPositions.push(Number(event.position));
      this.recentIds.set(event.id, event);
    }
    while (this.recentIds.size > RECENT_IDS_CAPACITY) {
      const oldest = this.recentIds.keys().next();
      if (oldest.done) break;
      this.recentIds.delete(oldest.value);
    }
  }

  private markDurable(events: readonly RecordedEvent[]): void {
    let stream: StreamRecord | undefined;
    let streamId: string | undefined;
    for (const event of events) {
      if (event.streamId !== streamId) {
        streamId = event.streamId;
        stream = this.streams.get(streamId)!;
      }
      if (event.revision === DELETED_STREAM) stream!.durableTombstone = true;
      else stream!.durableLength++;
    }
  }

  /** Indexes the batch (visible to later commit checks), then waits until the journal has it on disk. */
  private commit(batch: Batch): Promise<void> {
    const events = batch.events;
    const start = this.nextPosition;
    const end = batch.end;
    // Encoded before anything changes: a batch the log cannot hold fails its own request only.
    const record = this.journal.prepare(events, start, end);
    this.index(events);
    this.nextPosition = end;
    return new Promise<void>((resolve, reject) => {
      this.journal.write(record, (error) => {
        if (error) {
          this.failure ??= error;
          reject(new Error('writing to the event log failed', { cause: error }));
          this.rejectWaiters(error);
          return;
        }
        this.markDurable(events);
        this.durableCount += events.length;
        this.durableHead = end;
        this.resolveWaiters();
        for (const listener of this.listeners) {
          try {
            listener(events);
          } catch {
            // A subscriber's failure must not fail the append that others already saw succeed.
          }
        }
        resolve();
      });
    });
  }

  private waitDurable(position: number): Promise<void> {
    if (position < this.durableHead) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ position, resolve, reject }));
  }

  private resolveWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: PendingWaiter[] = [];
    for (const w of this.waiters) {
      if (w.position < this.durableHead) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private rejectWaiters(error: Error): void {
    for (const w of this.waiters) w.reject(error);
    this.waiters = [];
  }

  /** Index of the first durable event at or after `position`. */
  private lowerBound(position: number): number {
    let lo = 0;
    let hi = this.durableCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.logPositions[mid]! < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
