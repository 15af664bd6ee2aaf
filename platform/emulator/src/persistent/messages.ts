import type { RecordedEvent } from '../store/store';

/** What a subscription read: a record, or a link and (when resolved) its target. */
export interface ResolvedEvent {
  /** The event handed to the consumer: a link's target, or the record itself. Undefined when a resolved link's target is gone. */
  readonly event: RecordedEvent | undefined;
  /** The link record, when a link was resolved. */
  readonly link: RecordedEvent | undefined;
  /** The record in the subscription's source (the link when there is one); its id is what consumers ack. */
  readonly original: RecordedEvent;
}

/**
 * One message on its way through a group: buffered, in flight, or waiting for a retry.
 * `sequence` is given on first delivery and orders messages for checkpoints; replayed
 * parked messages never get one, so they never hold a checkpoint back.
 */
export interface OutstandingMessage {
  readonly resolved: ResolvedEvent;
  readonly id: string;
  readonly retryCount: number;
  readonly replayed: boolean;
  readonly sequence: number | undefined;
  /** Position in the source; undefined for replayed parked messages. */
  readonly position: bigint | undefined;
  /** Position of the message delivered just before this one first went out: where a checkpoint may go while this one is unacknowledged. */
  readonly previousPosition: bigint | undefined;
}

/** Ids are compared in lower case: a client may send a UUID back in either case. */
const idOf = (resolved: ResolvedEvent): string => resolved.original.id.toLowerCase();

export function newMessage(resolved: ResolvedEvent, position: bigint): OutstandingMessage {
  return { resolved, id: idOf(resolved), retryCount: 0, replayed: false, sequence: undefined, position, previousPosition: undefined };
}

export function replayedMessage(resolved: ResolvedEvent): OutstandingMessage {
  return {
    resolved,
    id: resolved.original.id,
    retryCount: 0,
    replayed: true,
    sequence: undefined,
    position: undefined,
    previousPosition: undefined,
  };
}

export function retriedMessage(message: OutstandingMessage): OutstandingMessage {
  return { ...message, retryCount: message.retryCount + 1 };
}

/** The stream a message belongs to for pinning: a link's target stream, or `N@stream` of an unresolved link. */
export function sourceStreamId(resolved: ResolvedEvent): string {
  const record = resolved.event ?? resolved.link ?? resolved.original;
  if (record.type !== '$>') return record.streamId;
  const text = Buffer.from(record.data).toString('utf8');
  const at = text.indexOf('@');
  return at === -1 ? text : text.slice(at + 1);
}

/** `$correlationId` from the event's JSON metadata, falling back to the source stream (as PinnedByCorrelation does). */
export function correlationId(resolved: ResolvedEvent): string {
  const record = resolved.event ?? resolved.link ?? resolved.original;
  if (record.metadata.length > 0) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(record.metadata).toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null) {
        const value = (parsed as Record<string, unknown>)['$correlationId'];
        if (typeof value === 'string' && value.length > 0) return value;
      }
    } catch {
      // Metadata that is not JSON has no correlation id.
    }
  }
  return sourceStreamId(resolved);
}
