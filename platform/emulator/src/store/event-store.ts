import { randomUUID } from 'node:crypto';
import { Batch } from './batch';
import { type CommitDecision, type CommitView, checkCommit } from './commit-check';
import { type EventBodies, MemoryBodies } from './event-bodies';
import type { Journal } from './journal';
import { FILE_HEADER_SIZE } from './log-format';
import { PositionIndex } from './position-index';
import { RecentIds, recentIdCost } from './recent-ids';
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

const TICKS_PER_MS = 10_000n;
const METADATA_TYPE = '$metadata';
const TOMBSTONE_TYPE = '$streamDeleted';
const JSON_TYPE = 'application/json';
const BINARY_TYPE = 'application/octet-stream';
const EMPTY = new Uint8Array(0);

interface StreamRecord {
  /** The `$all` index of every event ever written, acknowledged or not: revision r is `indices[r]`. */
  readonly indices: number[];
  /** How many of `indices` are durable (readers see only those). */
  durableLength: number;
  /** The tombstone's `$all` index. */
  tombstone: number | undefined;
  durableTombstone: boolean;
  /**
   * Metastreams only: their events, kept in memory. They are small, few per stream, and read
   * on every append to and read of the stream they describe.
   */
  readonly pinned: RecordedEvent[] | undefined;
}

interface PendingWaiter {
  readonly position: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export interface EventStoreOptions {
  /** Given here, or later with `attach` once the log has been read back. */
  readonly journal?: Journal;
  /** Where events are kept, given the `$all` position of each index; in memory by default. */
  readonly bodies?: (positionOf: (index: number) => number) => EventBodies;
  /** Milliseconds since the epoch; tests pass a fake clock to exercise `$maxAge`. */
  readonly now?: () => number;
}

export const isMetastream = (streamId: string): boolean => streamId.startsWith('$$');

/**
 * The event store behind both modes: streams, `$all`, expected-revision checks, deletes and
 * metadata, with every append handed to a Journal and made visible once it is durable.
 */
export class EventStore implements Store {
  private journal: Journal | undefined;
  private readonly now: () => number;
  private readonly bodies: EventBodies;
  private readonly streams = new Map<string, StreamRecord>();
  /** `$all`: the position of every event by index, in order; `[0..durableCount)` are acknowledged. */
  private readonly logPositions = new PositionIndex();
  private durableCount = 0;
  private durableHead: number = FILE_HEADER_SIZE;
  private nextPosition: number = FILE_HEADER_SIZE;
  /** Recent event ids -> `$all` index, for `any` / `stream_exists` retries. */
  private readonly recentIds: RecentIds;
  private readonly listeners = new Set<(events: readonly RecordedEvent[]) => void>();
  private waiters: PendingWaiter[] = [];
  private failure: Error | undefined;
  private closed = false;

  constructor(options: EventStoreOptions) {
    this.journal = options.journal;
    this.now = options.now ?? Date.now;
    const positionOf = (index: number) => this.logPositions.at(index);
    this.bodies = options.bodies ? options.bodies(positionOf) : new MemoryBodies();
    this.recentIds = new RecentIds((index) => this.bodies.get(index).id);
  }

  /**
   * Replays one record read back from the log at start-up (already durable, already checked)
   * into every index. `end` is where the next record goes.
   */
  restore(events: readonly RecordedEvent[], end: number): void {
    this.index(events, true);
    this.markDurable(events);
    this.durableCount = this.logPositions.length;
    this.durableHead = end;
    this.nextPosition = end;
  }

  /** The journal appends go to, once the log has been read back. */
  attach(journal: Journal): void {
    this.journal = journal;
  }

  async append(streamId: string, expected: ExpectedState, events: readonly ProposedEvent[]): Promise<AppendOutcome> {
    this.assertWritable();
    const stream = this.streams.get(streamId);
    const current = stream ? stream.indices.length - 1 : -1;
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

  async appendEmitted(writes: ReadonlyMap<string, readonly ProposedEvent[]>): Promise<void> {
    this.assertWritable();
    const created = this.createdNow();
    const batch = this.startBatch();
    for (const [streamId, events] of writes) {
      if (events.length === 0) continue;
      const stream = this.streams.get(streamId);
      if (stream?.tombstone !== undefined) throw new Error(`writing ${streamId}: stream_deleted`);
      const current = stream ? stream.indices.length - 1 : -1;
      for (let i = 0; i < events.length; i++) batch.addEvent(streamId, BigInt(current + 1 + i), events[i]!, created);
      // `any` on a soft-deleted stream recreates it, as an append does (checkCommit's ok with softDeleted).
      if (this.limitsOf(streamId, false).truncateBefore === Number.POSITIVE_INFINITY) {
        this.writeTruncateBefore(batch, streamId, BigInt(current + 1), created);
      }
    }
    if (batch.events.length === 0) return;
    await this.commit(batch, false);
  }

  async delete(streamId: string, expected: ExpectedState): Promise<DeleteOutcome> {
    this.assertWritable();
    const stream = this.streams.get(streamId);
    const current = stream ? stream.indices.length - 1 : -1;
    const refused = this.checkDelete(streamId, stream, expected, current);
    if (refused) return refused;
    const metastreamId = `$$${streamId}`;
    const metaCurrent = (this.streams.get(metastreamId)?.indices.length ?? 0) - 1;
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
    const current = stream ? stream.indices.length - 1 : -1;
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
        const event = this.eventAt(stream, r);
        if (cutoff === undefined || event.created >= cutoff) out.push(event);
      }
    } else {
      const start = from > BigInt(last) ? last : Number(from);
      for (let r = start; r >= first && out.length < limit; r--) {
        const event = this.eventAt(stream, r);
        if (cutoff === undefined || event.created >= cutoff) out.push(event);
      }
    }
    return out;
  }

  readAll(from: bigint, direction: 'forwards' | 'backwards', maxCount: bigint): readonly RecordedEvent[] {
    if (maxCount <= 0n) return [];
    const limit = maxCount > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(maxCount);
    const index = this.lowerBound(from > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(from));
    const out: RecordedEvent[] = [];
    if (direction === 'forwards') {
      const end = Math.min(this.durableCount, index + limit);
      for (let i = index; i < end; i++) out.push(this.bodies.get(i));
      return out;
    }
    for (let i = index - 1; i >= 0 && out.length < limit; i--) out.push(this.bodies.get(i));
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
    try {
      await this.journal?.close();
    } finally {
      this.bodies.close();
      this.listeners.clear();
    }
  }

  private assertWritable(): void {
    if (this.closed) throw new Error('the event store is closed');
    if (!this.journal) throw new Error('the event store is still reading its log back');
    if (this.failure) throw new Error('the event store stopped after a failed write', { cause: this.failure });
  }

  private createdNow(): bigint {
    return BigInt(this.now()) * TICKS_PER_MS;
  }

  /** The write-side view: includes appends not yet durable, as EventStoreDB's index writer does. */
  private commitView(streamId: string, stream: StreamRecord | undefined): CommitView {
    return {
      current: stream ? stream.indices.length - 1 : -1,
      tombstoned: stream?.tombstone !== undefined,
      softDeleted: this.limitsOf(streamId, false).truncateBefore === Number.POSITIVE_INFINITY,
      hasMetadata: (this.streams.get(`$$${streamId}`)?.indices.length ?? 0) > 0,
      eventAt: (revision) => (stream && revision >= 0 && revision < stream.indices.length ? this.eventAt(stream, revision) : undefined),
      recentEvent: (id) => {
        const recent = this.recentIds.find(id);
        return recent === undefined ? undefined : this.bodies.get(recent);
      },
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
        const originalCurrent = (this.streams.get(original)?.indices.length ?? 0) - 1;
        this.writeTruncateBefore(batch, original, BigInt(originalCurrent + 1), created);
      }
    }
  }

  private writeTruncateBefore(batch: Batch, streamId: string, truncateBefore: bigint, created: bigint): void {
    const metastreamId = `$$${streamId}`;
    const previous = batch.lastOf(metastreamId) ?? this.streams.get(metastreamId)?.pinned?.at(-1);
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
    const length = durableOnly ? meta.durableLength : meta.indices.length;
    const last = meta.pinned?.[length - 1];
    return last ? parseLimits(last.data) : NO_LIMITS;
  }

  private startBatch(): Batch {
    return new Batch(this.nextPosition);
  }

  private streamRecord(streamId: string): StreamRecord {
    let stream = this.streams.get(streamId);
    if (!stream) {
      stream = {
        indices: [],
        durableLength: 0,
        tombstone: undefined,
        durableTombstone: false,
        pinned: isMetastream(streamId) ? [] : undefined,
      };
      this.streams.set(streamId, stream);
    }
    return stream;
  }

  /** The event at `revision` of `stream` (which must exist). */
  private eventAt(stream: StreamRecord, revision: number): RecordedEvent {
    return stream.pinned ? stream.pinned[revision]! : this.bodies.get(stream.indices[revision]!);
  }

  /**
   * Adds events to every index; `restoring` when they were read back from the log (already
   * durable). `remember`: whether their ids go to the idempotency check's memory.
   */
  private index(events: readonly RecordedEvent[], restoring = false, remember = true): void {
    let stream: StreamRecord | undefined;
    let streamId: string | undefined;
    let cost = 0;
    for (const event of events) {
      const index = this.logPositions.length;
      this.logPositions.push(Number(event.position));
      if (restoring) this.bodies.restored(index, event);
      else this.bodies.add(index, event);
      if (event.streamId !== streamId) {
        streamId = event.streamId;
        stream = this.streamRecord(streamId);
        cost = recentIdCost(streamId);
      }
      if (event.revision === DELETED_STREAM) {
        stream!.tombstone = index;
      } else {
        stream!.indices.push(index);
        stream!.pinned?.push(event);
      }
      if (remember) this.recentIds.remember(event.id, index, cost);
    }
    this.recentIds.forgetOld();
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

  /**
   * Indexes the batch (visible to later commit checks), then waits until the journal has it
   * on disk. `remember`: whether its ids go to the idempotency check's memory.
   */
  private commit(batch: Batch, remember = true): Promise<void> {
    const events = batch.events;
    const start = this.nextPosition;
    const end = batch.end;
    // Encoded before anything changes: a batch the log cannot hold fails its own request only.
    const journal = this.journal!;
    const record = journal.prepare(events, start, end);
    this.index(events, false, remember);
    this.nextPosition = end;
    return new Promise<void>((resolve, reject) => {
      journal.write(record, (error) => {
        if (error) {
          this.failure ??= error;
          reject(new Error('writing to the event log failed', { cause: error }));
          this.rejectWaiters(error);
          return;
        }
        this.markDurable(events);
        this.durableCount += events.length;
        this.bodies.durable(this.durableCount, record);
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
      if (this.logPositions.at(mid) < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
