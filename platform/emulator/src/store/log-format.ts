/**
 * The on-disk layout of the durable log, and the sizes the in-memory mode uses to hand out
 * the same `$all` positions the durable mode would.
 *
 *   file    := header record*
 *   header  := "SPILLWAY" u32 version(2) u32 crc32(magic, version)             (16 bytes)
 *   record  := u32 bodyLength u32 crc32(body) u32 headerCrc body                (one append, all or nothing)
 *   body    := u8 kind(1) u32 entryCount entry*
 *   entry   := u64 revision i64 created 16B id u16 streamLen u16 typeLen u16 contentTypeLen
 *              u32 dataLen u32 metadataLen stream type contentType data metadata
 *
 * `headerCrc` is the crc32 of the record's first 8 bytes followed by the record's own file
 * offset (u64): a damaged length is caught before it is trusted, and a record is valid only
 * where it was written. An event's `$all` position is the file offset of its entry, so
 * positions strictly increase and are stable across restarts. Integers are little-endian.
 *
 * Format 1 (before 2026-11-30) had no header checksum: a flipped bit in a length could pass
 * for a torn tail. This version refuses format-1 files with a message saying so (see
 * log-scan.ts) rather than reading them with the weaker check.
 */
import { crc32 } from 'node:zlib';
import type { RecordedEvent } from './store';

export const FILE_MAGIC = 'SPILLWAY';
export const FILE_VERSION = 2;
export const FILE_HEADER_SIZE = 16;
/** bodyLength + crc32(body) + headerCrc. */
export const RECORD_PREFIX_SIZE = 12;
/** kind + entryCount. */
export const BODY_HEADER_SIZE = 5;
export const ENTRY_FIXED_SIZE = 8 + 8 + 16 + 2 + 2 + 2 + 4 + 4;
const KIND_APPEND = 1;

/** What an entry needs besides its position (which is where it lands). */
export interface EntryFields {
  readonly streamId: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
  readonly created: bigint;
}

export function entrySize(e: EntryFields): number {
  return (
    ENTRY_FIXED_SIZE +
    Buffer.byteLength(e.streamId, 'utf8') +
    Buffer.byteLength(e.type, 'utf8') +
    Buffer.byteLength(e.contentType, 'utf8') +
    e.data.byteLength +
    e.metadata.byteLength
  );
}

export function fileHeader(): Buffer {
  const header = Buffer.alloc(FILE_HEADER_SIZE);
  header.write(FILE_MAGIC, 0, 'latin1');
  header.writeUInt32LE(FILE_VERSION, 8);
  header.writeUInt32LE(crc32(header.subarray(0, 12)), 12);
  return header;
}

export type FileHeaderCheck =
  | { readonly kind: 'ok' }
  /** Shorter than a header, and what is there is the start of one: a crash while creating the file. */
  | { readonly kind: 'partial' }
  | { readonly kind: 'foreign' }
  | { readonly kind: 'version'; readonly version: number }
  | { readonly kind: 'damaged' };

/** What the first bytes of a file say about it. */
export function checkFileHeader(buf: Buffer): FileHeaderCheck {
  const expected = fileHeader();
  if (buf.length < FILE_HEADER_SIZE) {
    return expected.subarray(0, buf.length).equals(buf) ? { kind: 'partial' } : { kind: 'foreign' };
  }
  if (buf.toString('latin1', 0, 8) !== FILE_MAGIC) return { kind: 'foreign' };
  const version = buf.readUInt32LE(8);
  if (version === FILE_VERSION) {
    return buf.readUInt32LE(12) === crc32(buf.subarray(0, 12)) ? { kind: 'ok' } : { kind: 'damaged' };
  }
  // Format 1 wrote zeros here; anything else in a version field is a flipped bit, not a version.
  return version === 1 && buf.readUInt32LE(12) === 0 ? { kind: 'version', version } : { kind: 'damaged' };
}

const offsetScratch = Buffer.alloc(8);

/** The checksum of a record's length and body checksum, bound to the record's file offset. */
function headerCrc(record: Buffer, at: number, fileOffset: number): number {
  offsetScratch.writeBigUInt64LE(BigInt(fileOffset), 0);
  return crc32(offsetScratch, crc32(record.subarray(at, at + 8)));
}

/** Hex digit values by character code. */
const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}
const HYPHEN = 45;

/** Writes a canonical UUID's 16 bytes, digit by digit: it runs for every event written. */
function writeUuid(buf: Buffer, offset: number, id: string): void {
  let o = offset;
  for (let i = 0; i < id.length; ) {
    const c = id.charCodeAt(i);
    if (c === HYPHEN) {
      i++;
      continue;
    }
    buf[o++] = (NIBBLE[c & 127]! << 4) | NIBBLE[id.charCodeAt(i + 1) & 127]!;
    i += 2;
  }
}

function readUuid(buf: Buffer, offset: number): string {
  const hex = buf.toString('hex', offset, offset + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Encodes one append (already sized and positioned) as a single checksummed record starting at `fileOffset`. */
export function encodeRecord(events: readonly EntryFields[], fileOffset: number): Buffer {
  let bodySize = BODY_HEADER_SIZE;
  for (const e of events) bodySize += entrySize(e);
  const buf = Buffer.allocUnsafe(RECORD_PREFIX_SIZE + bodySize);
  let o = RECORD_PREFIX_SIZE;
  buf.writeUInt8(KIND_APPEND, o);
  buf.writeUInt32LE(events.length, o + 1);
  o += BODY_HEADER_SIZE;
  for (const e of events) {
    buf.writeBigUInt64LE(e.revision, o);
    buf.writeBigInt64LE(e.created, o + 8);
    writeUuid(buf, o + 16, e.id);
    const streamLen = buf.write(e.streamId, o + ENTRY_FIXED_SIZE, 'utf8');
    let p = o + ENTRY_FIXED_SIZE + streamLen;
    const typeLen = buf.write(e.type, p, 'utf8');
    p += typeLen;
    const ctLen = buf.write(e.contentType, p, 'utf8');
    p += ctLen;
    buf.set(e.data, p);
    p += e.data.byteLength;
    buf.set(e.metadata, p);
    p += e.metadata.byteLength;
    buf.writeUInt16LE(streamLen, o + 32);
    buf.writeUInt16LE(typeLen, o + 34);
    buf.writeUInt16LE(ctLen, o + 36);
    buf.writeUInt32LE(e.data.byteLength, o + 38);
    buf.writeUInt32LE(e.metadata.byteLength, o + 42);
    o = p;
  }
  buf.writeUInt32LE(bodySize, 0);
  buf.writeUInt32LE(crc32(buf.subarray(RECORD_PREFIX_SIZE)), 4);
  buf.writeUInt32LE(headerCrc(buf, 0, fileOffset), 8);
  return buf;
}

export type DecodeResult =
  /** `next` is the file offset after the record. */
  | { readonly kind: 'record'; readonly events: RecordedEvent[]; readonly next: number }
  /**
   * The file ends inside this record: fewer bytes than a record header, or a header whose
   * checksum holds and whose length runs past the end. `entries` is the record's event
   * count when that part of the body is there.
   */
  | { readonly kind: 'torn'; readonly entries: number | undefined }
  /** A whole record (or a whole header) whose checksum or structure is wrong. `next` is where the next record would start, when the header can be trusted. */
  | { readonly kind: 'corrupt'; readonly reason: string; readonly next: number | undefined };

/**
 * Decodes the record starting at `offset` of `buf`; `base` is the file offset of `buf[0]`.
 * `buf` must hold everything from `offset` to the end of the file, or at least the whole record.
 * `light`: what indexing needs (see decodeEntryLight), every checksum and length still checked.
 */
export function decodeRecord(buf: Buffer, offset: number, base: number, light = false): DecodeResult {
  const header = checkRecordHeader(buf, offset, base);
  if (header.kind !== 'ok') return header;
  const start = offset + RECORD_PREFIX_SIZE;
  const bodySize = header.bodySize;
  const body = buf.subarray(start, start + bodySize);
  const next = base + start + bodySize;
  if (crc32(body) !== buf.readUInt32LE(offset + 4)) return { kind: 'corrupt', reason: 'record body checksum mismatch', next };
  const structure = 'record structure damaged (checksum holds: written so)';
  if (body.readUInt8(0) !== KIND_APPEND) return { kind: 'corrupt', reason: `${structure}: unknown record kind ${body.readUInt8(0)}`, next };
  const count = body.readUInt32LE(1);
  const events: RecordedEvent[] = [];
  let o = BODY_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    const end = entryEnd(body, o);
    if (end === undefined) return { kind: 'corrupt', reason: `${structure}: entry overruns its record`, next };
    const position = BigInt(base + start + o);
    events.push(light ? decodeEntryLight(body, o, position) : decodeEntry(body, o, position));
    o = end;
  }
  if (o !== body.length) return { kind: 'corrupt', reason: `${structure}: trailing bytes in record`, next };
  return { kind: 'record', events, next };
}

type HeaderCheck = { readonly kind: 'ok'; readonly bodySize: number } | Exclude<DecodeResult, { kind: 'record' }>;

/** Checks the 12-byte record header at `offset` (see DecodeResult for torn and corrupt). */
export function checkRecordHeader(buf: Buffer, offset: number, base: number): HeaderCheck {
  if (offset + RECORD_PREFIX_SIZE > buf.length) return { kind: 'torn', entries: undefined };
  if (buf.readUInt32LE(offset + 8) !== headerCrc(buf, offset, base + offset)) {
    return { kind: 'corrupt', reason: 'record header checksum mismatch', next: undefined };
  }
  const bodySize = buf.readUInt32LE(offset);
  const start = offset + RECORD_PREFIX_SIZE;
  if (bodySize < BODY_HEADER_SIZE) return { kind: 'corrupt', reason: `record body of ${bodySize} bytes`, next: base + start + bodySize };
  if (start + bodySize > buf.length) {
    return { kind: 'torn', entries: start + BODY_HEADER_SIZE <= buf.length ? buf.readUInt32LE(start + 1) : undefined };
  }
  return { kind: 'ok', bodySize };
}

/** The whole size of the encoded entry whose fixed part (at least ENTRY_FIXED_SIZE bytes) starts at `o` in `buf`. */
export function encodedEntrySize(buf: Buffer, o: number): number {
  return (
    ENTRY_FIXED_SIZE +
    buf.readUInt16LE(o + 32) +
    buf.readUInt16LE(o + 34) +
    buf.readUInt16LE(o + 36) +
    buf.readUInt32LE(o + 38) +
    buf.readUInt32LE(o + 42)
  );
}

/** Where the entry at `o` ends within `buf`, or undefined when it does not fit. */
export function entryEnd(buf: Buffer, o: number): number | undefined {
  if (o + ENTRY_FIXED_SIZE > buf.length) return undefined;
  const end = o + encodedEntrySize(buf, o);
  return end > buf.length ? undefined : end;
}

const NOTHING = new Uint8Array(0);

/**
 * A copy of `buf[from, to)`, so that the buffer read from the file can be released: small
 * copies come out of Buffer's shared pool (no ArrayBuffer of their own), empty ones are shared.
 */
function copyOf(buf: Buffer, from: number, to: number): Uint8Array {
  if (to === from) return NOTHING;
  const copy = Buffer.allocUnsafe(to - from);
  buf.copy(copy, 0, from, to);
  return copy;
}

/** Decodes the entry at `o` of `buf` (its end checked with entryEnd); data and metadata are copies. */
export function decodeEntry(buf: Buffer, o: number, position: bigint): RecordedEvent {
  const streamLen = buf.readUInt16LE(o + 32);
  const typeLen = buf.readUInt16LE(o + 34);
  const ctLen = buf.readUInt16LE(o + 36);
  const dataLen = buf.readUInt32LE(o + 38);
  const metaLen = buf.readUInt32LE(o + 42);
  let p = o + ENTRY_FIXED_SIZE;
  const streamId = buf.toString('utf8', p, p + streamLen);
  p += streamLen;
  const type = buf.toString('utf8', p, p + typeLen);
  p += typeLen;
  const contentType = buf.toString('utf8', p, p + ctLen);
  p += ctLen;
  const data = copyOf(buf, p, p + dataLen);
  p += dataLen;
  const metadata = copyOf(buf, p, p + metaLen);
  return {
    streamId,
    revision: buf.readBigUInt64LE(o),
    position,
    id: readUuid(buf, o + 16),
    type,
    contentType,
    data,
    metadata,
    created: buf.readBigInt64LE(o + 8),
  };
}

/**
 * What the indexes need of an entry read back at start-up: stream, revision, id and position
 * (the rest stays in the file). Metastreams' events, which the store keeps in memory, come whole.
 */
export function decodeEntryLight(buf: Buffer, o: number, position: bigint): RecordedEvent {
  const streamLen = buf.readUInt16LE(o + 32);
  const p = o + ENTRY_FIXED_SIZE;
  if (streamLen >= 2 && buf[p] === 0x24 && buf[p + 1] === 0x24) return decodeEntry(buf, o, position);
  return {
    streamId: buf.toString('utf8', p, p + streamLen),
    revision: buf.readBigUInt64LE(o),
    position,
    id: readUuid(buf, o + 16),
    type: '',
    contentType: '',
    data: NOTHING,
    metadata: NOTHING,
    created: 0n,
  };
}
