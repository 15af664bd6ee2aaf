/**
 * The emulator's event store as the gRPC services see it. The streams services
 * (`src/streams/`) and the persistent-subscription subsystem (`src/persistent/`) use
 * only this interface; the durable log and the in-memory mode both implement it.
 *
 * Everything a reader sees (readStream, readAll, streamState, headPosition, onAppended)
 * is acknowledged data: an append becomes visible only once it is durable.
 */

/** One event as stored: what Streams.Read returns. */
export interface RecordedEvent {
  readonly streamId: string;
  /** The event's number within its stream (a tombstone's is 2^63 - 1, as in EventStoreDB). */
  readonly revision: bigint;
  /** Its place in `$all`; commit and prepare positions are the same value here. */
  readonly position: bigint;
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
  /** Ticks (100 ns) since the Unix epoch, as EventStoreDB reports `created`. */
  readonly created: bigint;
}

export type ExpectedState =
  | { readonly kind: 'any' | 'no_stream' | 'stream_exists' }
  | { readonly kind: 'revision'; readonly revision: bigint };

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

export type AppendOutcome =
  /**
   * `nextRevision` is the revision of the stream's last event after the append (-1n when an
   * empty append left a stream without events); `position` is that of the last event written
   * (for an idempotent re-append, the original one).
   */
  | { readonly kind: 'success'; readonly nextRevision: bigint; readonly position: bigint }
  /** `actual` is the stream's current revision, or undefined when it does not exist. */
  | { readonly kind: 'wrong_expected_version'; readonly actual: bigint | undefined }
  | { readonly kind: 'stream_deleted' };

/** Outcome of a soft delete or a tombstone; `position` is that of the record it wrote. */
export type DeleteOutcome =
  | { readonly kind: 'success'; readonly position: bigint }
  | { readonly kind: 'wrong_expected_version'; readonly actual: bigint | undefined }
  | { readonly kind: 'stream_deleted' };

export interface StreamState {
  /** Revision of the last event, or undefined when the stream has none (never written, or soft-deleted with nothing after). */
  readonly lastRevision: bigint | undefined;
  readonly tombstoned: boolean;
}

export interface Store {
  append(streamId: string, expected: ExpectedState, events: readonly ProposedEvent[]): Promise<AppendOutcome>;
  /**
   * Writes events the emulator makes itself (the system projections' links and checkpoints)
   * to several streams in one log record, so one encode and one group commit carry them all:
   * each stream's events go after its last one (expected revision `any`). Their ids are fresh,
   * so the idempotency check does not remember them. Rejects, writing nothing, when one of
   * the streams is tombstoned.
   */
  appendEmitted(writes: ReadonlyMap<string, readonly ProposedEvent[]>): Promise<void>;
  /**
   * Soft delete: the stream reads as not found until written again, and its numbering then
   * continues (EventStoreDB writes `$tb` = 2^63 - 1 to `$$<stream>`).
   */
  delete(streamId: string, expected: ExpectedState): Promise<DeleteOutcome>;
  /** Hard delete: a `$streamDeleted` tombstone; the stream can never be written again. */
  tombstone(streamId: string, expected: ExpectedState): Promise<DeleteOutcome>;
  /**
   * Events of one stream in revision order (honouring $maxCount / $maxAge / $tb / soft delete).
   * Forwards: revisions >= `from`; backwards: revisions <= `from`, newest first.
   */
  readStream(streamId: string, from: bigint, direction: 'forwards' | 'backwards', maxCount: bigint): readonly RecordedEvent[];
  /**
   * Events of `$all` in log order. `from` is a cursor between records: forwards returns
   * events at or after it (inclusive); backwards returns events before it, newest first, so
   * reading backwards from `headPosition()` starts with the last event.
   */
  readAll(from: bigint, direction: 'forwards' | 'backwards', maxCount: bigint): readonly RecordedEvent[];
  streamState(streamId: string): StreamState;
  /** The position just after the last event in `$all`. */
  headPosition(): bigint;
  /** Called after each durable append, in log order. Returns an unsubscribe function. */
  onAppended(listener: (events: readonly RecordedEvent[]) => void): () => void;
  /** Flushes and releases files. */
  close(): Promise<void>;
}
