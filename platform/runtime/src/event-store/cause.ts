import { uuidV5 } from '../ids/uuid-v5';

/** What caused the work a handler or route is doing: effects derive their ids and metadata from it. */
export interface Cause {
  readonly fn: string;
  /** The id effects derive from: the handled event's id, or the request's idempotency key (or a fresh id without one). */
  readonly id: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly traceparent?: string;
  /**
   * Set for an HTTP request that carries an Idempotency-Key: `id` names the key (per function and
   * route), `hash` what was asked (params, query and body). Both go into the metadata of every event
   * the request writes, so a retry finds what the first attempt wrote — on any replica, after any
   * restart — and a reuse of the key for another request is told apart.
   */
  readonly request?: { readonly id: string; readonly hash: string };
}

/** Metadata names of a keyed request's events (not `$`-prefixed: those belong to EventStoreDB). */
export const IDEMPOTENCY_ID = 'idempotencyId';
export const REQUEST_HASH = 'requestHash';

/** A UUID v5 from the function, the cause and a purpose: the same cause always yields the same effect ids. */
export function effectId(cause: Cause, purpose: string): string {
  return uuidV5(`${cause.fn}/${cause.id}/${purpose}`);
}

/** `$correlationId`, `$causationId` (EventStoreDB's conventions) and `traceparent` for events written because of `cause`. */
export function causeMetadata(cause: Cause): Record<string, string> {
  const metadata: Record<string, string> = { $correlationId: cause.correlationId, $causationId: cause.causationId };
  if (cause.traceparent) metadata.traceparent = cause.traceparent;
  if (cause.request) {
    metadata[IDEMPOTENCY_ID] = cause.request.id;
    metadata[REQUEST_HASH] = cause.request.hash;
  }
  return metadata;
}

/** The cause of handling a delivered event: it keeps the chain's correlation id and becomes the causation id. */
export function causeFromEvent(fn: string, event: { id: string; metadata: { $correlationId?: unknown; traceparent?: unknown } }): Cause {
  const correlationId = typeof event.metadata.$correlationId === 'string' ? event.metadata.$correlationId : event.id;
  const traceparent = typeof event.metadata.traceparent === 'string' ? event.metadata.traceparent : undefined;
  return { fn, id: event.id, correlationId, causationId: event.id, traceparent };
}
