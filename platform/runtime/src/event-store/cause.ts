import { uuidV5 } from '../ids/uuid-v5';

/** What caused the work a handler or route is doing: effects derive their ids and metadata from it. */
export interface Cause {
  readonly fn: string;
  /** The id effects derive from: the handled event's id, or the request's idempotency key (or a fresh id without one). */
  readonly id: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly traceparent?: string;
}

/** A UUID v5 from the function, the cause and a purpose: the same cause always yields the same effect ids. */
export function effectId(cause: Cause, purpose: string): string {
  return uuidV5(`${cause.fn}/${cause.id}/${purpose}`);
}

/** `$correlationId`, `$causationId` (EventStoreDB's conventions) and `traceparent` for events written because of `cause`. */
export function causeMetadata(cause: Cause): Record<string, string> {
  const metadata: Record<string, string> = { $correlationId: cause.correlationId, $causationId: cause.causationId };
  if (cause.traceparent) metadata.traceparent = cause.traceparent;
  return metadata;
}

/** The cause of handling a delivered event: it keeps the chain's correlation id and becomes the causation id. */
export function causeFromEvent(fn: string, event: { id: string; metadata: { $correlationId?: unknown; traceparent?: unknown } }): Cause {
  const correlationId = typeof event.metadata.$correlationId === 'string' ? event.metadata.$correlationId : event.id;
  const traceparent = typeof event.metadata.traceparent === 'string' ? event.metadata.traceparent : undefined;
  return { fn, id: event.id, correlationId, causationId: event.id, traceparent };
}
