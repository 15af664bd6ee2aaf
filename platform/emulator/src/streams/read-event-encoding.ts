/**
 * A stored event encoded straight to the wire bytes of a `ReadResp { event }` message,
 * without building google-protobuf objects: reads and catch-up subscriptions send one such
 * message per event, and the generic path spends most of its time allocating and walking
 * message objects. The layout is streams.proto's (field numbers checked against the
 * generated serializers): ReadResp.event = 1; ReadEvent { event = 1, commit_position = 3 };
 * RecordedEvent { id = 1, stream_identifier = 2, stream_revision = 3, prepare_position = 4,
 * commit_position = 5, metadata = 6 (map), custom_metadata = 7, data = 8 };
 * StreamIdentifier.stream_name = 3; UUID { structured = 1 { msb = 1, lsb = 2 }, string = 2 }.
 */
import type { RecordedEvent } from '../store/store';

const LEN = 2;
const VARINT = 0;
const TWO_POW_53 = 2n ** 53n;

function tag(field: number, wire: number): number {
  return (field << 3) | wire;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function bigVarintSize(n: bigint): number {
  let size = 1;
  while (n >= 128n) {
    n >>= 7n;
    size++;
  }
  return size;
}

class Writer {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    while (n >= 128) {
      this.buf[this.offset++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    this.buf[this.offset++] = n;
  }

  bigVarint(n: bigint): void {
    while (n >= 128n) {
      this.buf[this.offset++] = Number(n & 127n) | 128;
      n >>= 7n;
    }
    this.buf[this.offset++] = Number(n);
  }

  bytes(field: number, value: Uint8Array): void {
    this.varint(tag(field, LEN));
    this.varint(value.byteLength);
    this.buf.set(value, this.offset);
    this.offset += value.byteLength;
  }

  string(field: number, value: string, byteLength: number): void {
    this.varint(tag(field, LEN));
    this.varint(byteLength);
    this.offset += this.buf.write(value, this.offset, 'utf8');
  }
}

/** A uint64 field's size (tag included); values stay numbers below 2^53. */
function uint64FieldSize(value: bigint): number {
  return 1 + (value < TWO_POW_53 ? varintSize(Number(value)) : bigVarintSize(value));
}

function writeUint64Field(w: Writer, field: number, value: bigint): void {
  w.varint(tag(field, VARINT));
  if (value < TWO_POW_53) w.varint(Number(value));
  else w.bigVarint(value);
}

function lengthDelimitedSize(bodySize: number): number {
  return 1 + varintSize(bodySize) + bodySize;
}

function stringFieldSize(byteLength: number): number {
  return lengthDelimitedSize(byteLength);
}

interface UuidParts {
  readonly size: number;
  write(w: Writer): void;
}

function uuidParts(id: string, structured: boolean): UuidParts {
  if (!structured) {
    const length = Buffer.byteLength(id, 'latin1');
    return { size: stringFieldSize(length), write: (w) => w.string(2, id, length) };
  }
  const hex = id.replace(/-/g, '');
  // int64 fields: negative halves take the 10-byte two's-complement varint, as protobuf encodes them.
  const msb = BigInt.asUintN(64, BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)));
  const lsb = BigInt.asUintN(64, BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)));
  const inner = (msb === 0n ? 0 : 1 + bigVarintSize(msb)) + (lsb === 0n ? 0 : 1 + bigVarintSize(lsb));
  return {
    size: lengthDelimitedSize(inner),
    write: (w) => {
      w.varint(tag(1, LEN));
      w.varint(inner);
      if (msb !== 0n) {
        w.varint(tag(1, VARINT));
        w.bigVarint(msb);
      }
      if (lsb !== 0n) {
        w.varint(tag(2, VARINT));
        w.bigVarint(lsb);
      }
    },
  };
}

function mapEntrySize(keyLength: number, valueLength: number): number {
  return lengthDelimitedSize(stringFieldSize(keyLength) + stringFieldSize(valueLength));
}

function writeMapEntry(w: Writer, key: string, keyLength: number, value: string, valueLength: number): void {
  w.varint(tag(6, LEN));
  w.varint(stringFieldSize(keyLength) + stringFieldSize(valueLength));
  w.string(1, key, keyLength);
  w.string(2, value, valueLength);
}

/** One RecordedEvent message, measured first so that it can be written in a single pass. */
interface Recorded {
  readonly size: number;
  write(w: Writer): void;
}

function recorded(event: RecordedEvent, structuredUuid: boolean): Recorded {
  const uuid = uuidParts(event.id, structuredUuid);
  const nameLength = Buffer.byteLength(event.streamId, 'utf8');
  const typeLength = Buffer.byteLength(event.type, 'utf8');
  const contentTypeLength = Buffer.byteLength(event.contentType, 'utf8');
  const created = event.created.toString();
  const createdLength = created.length;
  const streamIdentifierSize = stringFieldSize(nameLength);
  const size =
    lengthDelimitedSize(uuid.size) +
    lengthDelimitedSize(streamIdentifierSize) +
    uint64FieldSize(event.revision) +
    2 * uint64FieldSize(event.position) +
    mapEntrySize(4, typeLength) +
    mapEntrySize(12, contentTypeLength) +
    mapEntrySize(7, createdLength) +
    (event.metadata.byteLength > 0 ? lengthDelimitedSize(event.metadata.byteLength) : 0) +
    (event.data.byteLength > 0 ? lengthDelimitedSize(event.data.byteLength) : 0);
  return {
    size,
    write(w) {
      w.varint(tag(1, LEN));
      w.varint(uuid.size);
      uuid.write(w);
      w.varint(tag(2, LEN));
      w.varint(streamIdentifierSize);
      w.string(3, event.streamId, nameLength);
      writeUint64Field(w, 3, event.revision);
      writeUint64Field(w, 4, event.position);
      writeUint64Field(w, 5, event.position);
      writeMapEntry(w, 'type', 4, event.type, typeLength);
      writeMapEntry(w, 'content-type', 12, event.contentType, contentTypeLength);
      writeMapEntry(w, 'created', 7, created, createdLength);
      if (event.metadata.byteLength > 0) w.bytes(7, event.metadata);
      if (event.data.byteLength > 0) w.bytes(8, event.data);
    },
  };
}

/**
 * The serialized `ReadResp` carrying an event, as Streams.Read sends it. With `link`, the
 * message is a resolved link: `event` is the event it points to (absent when that cannot be
 * read), `link` the `$>` event itself, and the position the link's.
 */
export function encodeReadEvent(event: RecordedEvent | undefined, structuredUuid: boolean, link?: RecordedEvent): Buffer {
  const main = event ? recorded(event, structuredUuid) : undefined;
  const linked = link ? recorded(link, structuredUuid) : undefined;
  const position = (link ?? event)!.position;
  const readEventSize =
    (main ? lengthDelimitedSize(main.size) : 0) + (linked ? lengthDelimitedSize(linked.size) : 0) + uint64FieldSize(position);
  const total = lengthDelimitedSize(readEventSize);

  const w = new Writer(Buffer.allocUnsafe(total));
  w.varint(tag(1, LEN));
  w.varint(readEventSize);
  if (main) {
    w.varint(tag(1, LEN));
    w.varint(main.size);
    main.write(w);
  }
  if (linked) {
    w.varint(tag(2, LEN));
    w.varint(linked.size);
    linked.write(w);
  }
  writeUint64Field(w, 3, position);
  if (w.offset !== total) throw new Error(`ReadResp encoding: wrote ${w.offset} of ${total} bytes`);
  return w.buf;
}
