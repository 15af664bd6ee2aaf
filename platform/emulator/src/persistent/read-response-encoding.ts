import type { RecordedEvent } from '../store/store';
import { fieldSize, ProtobufWriter, smallVarintSize, VARINT, varintSize } from '../wire/protobuf-writer';
import type { OutstandingMessage } from './messages';

/**
 * ReadResp events encoded straight to protobuf bytes: the hot path of every delivery.
 * google-protobuf builds and walks an object tree per message; this writes the same bytes
 * (persistent.proto: ReadResp.event = 1; ReadEvent event = 1, link = 2, commit_position = 3,
 * retry_count = 5; RecordedEvent id = 1, stream_identifier = 2, stream_revision = 3,
 * prepare_position = 4, commit_position = 5, metadata = 6, custom_metadata = 7, data = 8;
 * UUID string = 2; StreamIdentifier stream_name = 3), and each record's bytes are built once.
 */

/** A record's encoded RecordedEvent, shared by every delivery of it (retries, other groups). */
const encodedRecords = new WeakMap<RecordedEvent, Buffer>();

const TYPE = Buffer.from('type');
const CREATED = Buffer.from('created');
const CONTENT_TYPE = Buffer.from('content-type');

function recordedEvent(record: RecordedEvent, position: bigint): Buffer {
  const id = Buffer.from(record.id, 'latin1');
  const stream = Buffer.from(record.streamId, 'utf8');
  const type = Buffer.from(record.type, 'utf8');
  const created = Buffer.from(record.created.toString(), 'latin1');
  const contentType = Buffer.from(record.contentType, 'utf8');
  const uuidSize = fieldSize(id.length);
  const identifierSize = fieldSize(stream.length);
  const entries = [
    [TYPE, type],
    [CREATED, created],
    [CONTENT_TYPE, contentType],
  ] as const;
  const entrySizes = entries.map(([k, v]) => fieldSize(k.length) + fieldSize(v.length));
  const positionSize = varintSize(position);
  const size =
    fieldSize(uuidSize) +
    fieldSize(identifierSize) +
    1 +
    varintSize(record.revision) +
    2 * (1 + positionSize) +
    entrySizes.reduce((sum, n) => sum + fieldSize(n), 0) +
    (record.metadata.length > 0 ? fieldSize(record.metadata.length) : 0) +
    (record.data.length > 0 ? fieldSize(record.data.length) : 0);
  const out = new ProtobufWriter(Buffer.allocUnsafe(size));
  out.header(1, uuidSize);
  out.bytes(2, id);
  out.header(2, identifierSize);
  out.bytes(3, stream);
  out.uint(3, record.revision);
  out.uint(4, position);
  out.uint(5, position);
  entries.forEach(([key, value], i) => {
    out.header(6, entrySizes[i]!);
    out.bytes(1, key);
    out.bytes(2, value);
  });
  if (record.metadata.length > 0) out.bytes(7, record.metadata);
  if (record.data.length > 0) out.bytes(8, record.data);
  return out.buffer;
}

/**
 * One event for a Read call with string ids (what the clients ask for). Both records carry
 * the position of the record read from the source, as on the real server.
 */
export function encodeEventResponse(message: OutstandingMessage): Buffer {
  const { resolved } = message;
  const position = resolved.original.position;
  const event = resolved.event === undefined ? undefined : cachedRecord(resolved.event, position);
  const link = resolved.link === undefined ? undefined : cachedRecord(resolved.link, position);
  const retry = message.retryCount;
  const eventSize =
    (event === undefined ? 0 : fieldSize(event.length)) +
    (link === undefined ? 0 : fieldSize(link.length)) +
    1 +
    varintSize(position) +
    1 +
    smallVarintSize(retry);
  const out = new ProtobufWriter(Buffer.allocUnsafe(fieldSize(eventSize)));
  out.header(1, eventSize);
  if (event !== undefined) out.bytes(1, event);
  if (link !== undefined) out.bytes(2, link);
  out.uint(3, position);
  out.small((5 << 3) | VARINT);
  out.small(retry);
  return out.buffer;
}

function cachedRecord(record: RecordedEvent, position: bigint): Buffer {
  // A link's target is reported at the link's position, so only records read directly are shared.
  if (record.position !== position) return recordedEvent(record, position);
  let bytes = encodedRecords.get(record);
  if (bytes === undefined) {
    bytes = recordedEvent(record, position);
    encodedRecords.set(record, bytes);
  }
  return bytes;
}
