import type { AppendResult, EventStoreDBClient } from '@eventstore/db-client';

/** A stored event as read from a stream, before its data is parsed. */
export interface StoredEvent {
  readonly streamId: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
}

/**
 * Turns a stored event into the fold's event type: undefined for a type the fold does not know;
 * throws when the event is of a known type but its data does not fit the schema.
 */
export type ParseEvent<Ev> = (type: string, data: unknown) => Ev | undefined;

/** How a stream's current revision is stated on append (EventStoreDB's expected revision). */
export type ExpectedRevision = bigint | 'no_stream' | 'stream_exists' | 'any';

/** An event to append; `id` is derived deterministically when omitted (see `eventId`). */
export interface NewEvent {
  readonly type: string;
  readonly data: unknown;
  readonly id?: string;
  readonly metadata?: Record<string, unknown>;
}

/** A decider's fold: how to rebuild state from a stream. */
export interface Fold<S, Ev> {
  initialState(): S;
  evolve(state: S, event: Ev): S;
}

export interface Loaded<S> {
  readonly state: S;
  /** The revision to pass as the expected revision of the next append. */
  readonly revision: ExpectedRevision;
}

/**
 * Reading and appending as a handler should: every append states its expected revision,
 * ids are deterministic from the cause, and `$correlationId` / `$causationId` are propagated.
 */
export interface EventStoreAccess {
  readonly client: EventStoreDBClient;
  /**
   * Reads a stream (empty when it does not exist) and folds it. Tolerant: an event `parse` does not
   * know (undefined) is skipped and counted; one it rejects (throws) is quarantined and skipped.
   */
  load<S, Ev>(streamId: string, fold: Fold<S, Ev>, parse?: ParseEvent<Ev>): Promise<Loaded<S>>;
  append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  /**
   * Load, decide, append; on a wrong expected revision, reload and decide again
   * (bounded, jittered retries). Returns the appended events.
   */
  decideAndAppend<S, Ev>(
    streamId: string,
    fold: Fold<S, Ev>,
    decide: (state: S) => readonly NewEvent[],
    parse?: ParseEvent<Ev>,
  ): Promise<readonly NewEvent[]>;
  /**
   * For a stream that almost never exists yet (its id was just made up): decides on the initial
   * state and appends expecting no stream, without reading it first; when the stream exists after
   * all, goes the way of `decideAndAppend`. Give the events ids that change whenever the decision
   * would (derive them from the command): an append of the same ids to the same stream succeeds as
   * an idempotent retry, so ids shared by two different decisions would hide the second one.
   */
  decideAndAppendNew<S, Ev>(
    streamId: string,
    fold: Fold<S, Ev>,
    decide: (state: S) => readonly NewEvent[],
    parse?: ParseEvent<Ev>,
  ): Promise<readonly NewEvent[]>;
  /**
   * The tolerant-reader rule for a fold written by hand: the parsed event, or undefined when the fold
   * must skip it (an unknown type, counted; an invalid event, quarantined). `load` applies it itself.
   */
  tolerate<Ev>(event: StoredEvent, parse: ParseEvent<Ev>): Promise<Ev | undefined>;
  /** A UUID v5 from the cause (the event being handled, or the idempotency key) and a purpose. */
  eventId(purpose: string): string;
}
