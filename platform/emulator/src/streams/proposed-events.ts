import { errors } from '../server/errors';
import type { ProposedEvent } from '../store/store';
import { BadRequest, canonicalUuid } from './convert';

/** EventStoreDB's default `MaxAppendSize`: 1 MiB per append (ClusterVNodeOptions). */
export const MAX_APPEND_SIZE = 1024 * 1024;
const MAX_FIELD_BYTES = 0xffff;
/** A string of at most this many UTF-16 units cannot exceed MAX_FIELD_BYTES in UTF-8. */
const MAX_FIELD_CHARS = Math.floor(MAX_FIELD_BYTES / 3);

/** The parts of a proposed message, from either Append's or BatchAppend's form. */
export interface ProposedParts {
  readonly idText: string | undefined;
  readonly type: string | undefined;
  readonly contentType: string | undefined;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

/**
 * Validates one proposed message. `type` and `content-type` are required, as in
 * EventStoreDB's Streams.Append.
 */
export function proposedEvent(parts: ProposedParts, index: number): ProposedEvent {
  const id = canonicalUuid(parts.idText, `proposed message ${index}: id`);
  const { type, contentType } = parts;
  if (type === undefined) throw new BadRequest(errors.requiredMetadataPropertyMissing('type'));
  if (contentType === undefined) throw new BadRequest(errors.requiredMetadataPropertyMissing('content-type'));
  if (type.length > MAX_FIELD_CHARS && Buffer.byteLength(type, 'utf8') > MAX_FIELD_BYTES) {
    throw new BadRequest(errors.invalidArgument(`proposed message ${index}: the event type is longer than 65535 bytes.`));
  }
  if (contentType.length > MAX_FIELD_CHARS && Buffer.byteLength(contentType, 'utf8') > MAX_FIELD_BYTES) {
    throw new BadRequest(errors.invalidArgument(`proposed message ${index}: the content type is longer than 65535 bytes.`));
  }
  return { id, type, contentType, data: parts.data, metadata: parts.metadata };
}

/**
 * What counts towards MaxAppendSize: EventStoreDB's Event.SizeOnDisk, which Streams.Append and
 * BatchAppend add up per append: data and metadata bytes plus two bytes per UTF-16 unit of the
 * event type (`eventType.Length * 2`).
 */
export function appendSize(event: ProposedEvent): number {
  return event.type.length * 2 + event.data.byteLength + event.metadata.byteLength;
}
