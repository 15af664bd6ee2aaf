/**
 * What the hand-written protobuf encoders of the hot path share: sizes computed up front, then
 * one buffer written once, with no google-protobuf object tree. Fields are written in field-number
 * order by the callers, as google-protobuf writes them; their unit tests compare the bytes with
 * the generated serializers.
 */

const LENGTH_DELIMITED = 2;
export const VARINT = 0;

/** Bytes of a uint64 varint (a negative value is written as its 64-bit two's complement). */
export function varintSize(value: bigint): number {
  let v = BigInt.asUintN(64, value);
  let size = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    size++;
  }
  return size;
}

/** Bytes of a varint below 2^32 (lengths, counts). */
export function smallVarintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** A length-delimited field of `length` bytes, its tag (field < 16) included. */
export const fieldSize = (length: number): number => 1 + smallVarintSize(length) + length;

/** Writes fields into one buffer sized up front. */
export class ProtobufWriter {
  offset = 0;
  constructor(readonly buffer: Buffer) {}

  small(n: number): void {
    while (n >= 0x80) {
      this.buffer[this.offset++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buffer[this.offset++] = n;
  }

  big(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.buffer[this.offset++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buffer[this.offset++] = Number(v);
  }

  /** The tag and length of a length-delimited field whose `length` bytes follow. */
  header(field: number, length: number): void {
    this.small((field << 3) | LENGTH_DELIMITED);
    this.small(length);
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.header(field, bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  string(field: number, value: string, byteLength: number): void {
    this.header(field, byteLength);
    this.offset += this.buffer.write(value, this.offset, 'utf8');
  }

  uint(field: number, value: bigint): void {
    this.small((field << 3) | VARINT);
    this.big(value);
  }
}
