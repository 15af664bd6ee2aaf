import type { AppendReq, BatchAppendReq } from '@eventstore/db-client/generated/streams_pb';
import { errors } from '../server/errors';
import type { ProposedEvent } from '../store/store';
import { BadRequest, readUuid } from './convert';

/** EventStoreDB's default `MaxAppendSize`: 1 MiB per append (ClusterVNodeOptions). */
export const MAX_APPEND_SIZE = 1024 * 1024;
const MAX_FIELD_BYTES = 0xffff;

type ProposedMessage = AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage;

/**
 * Validates one proposed message. `type` and `content-type` are required, as in
 * EventStoreDB's Streams.Append.
 */
export function proposedEvent(message: ProposedMessage, index: number): ProposedEvent {
  const id = readUuid(message.getId(), `proposed message ${index}: id`);
  const map = message.getMetadataMap();
  const type = map.get('type');
  if (type === undefined) throw new BadRequest(errors.requiredMetadataPropertyMissing('type'));
  const contentType = map.get('content-type');
  if (contentType === undefined) throw new BadRequest(errors.requiredMetadataPropertyMissing('content-type'));
  if (Buffer.byteLength(type, 'utf8') > MAX_FIELD_BYTES) {
    throw new BadRequest(errors.invalidArgument(`proposed message ${index}: the event type is longer than 65535 bytes.`));
  }
  if (Buffer.byteLength(contentType, 'utf8') > MAX_FIELD_BYTES) {
    throw new BadRequest(errors.invalidArgument(`proposed message ${index}: the content type is longer than 65535 bytes.`));
  }
  return { id, type, contentType, data: message.getData_asU8(), metadata: message.getCustomMetadata_asU8() };
}

/** What counts towards MaxAppendSize: EventStoreDB's Event.SizeOnDisk (type, data and metadata). */
export function appendSize(event: ProposedEvent): number {
  return Buffer.byteLength(event.type, 'utf8') + event.data.byteLength + event.metadata.byteLength;
}
