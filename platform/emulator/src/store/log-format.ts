/**
 * The on-disk layout of the durable log, and the sizes the in-memory mode uses to hand out
 * the same `$all` positions the durable mode would.
 *
 *   file    := header record*
 *   header  := "SPILLWAY" u32 version u32 reserved                  (16 bytes)
 *   record  := u32 bodyLength u32 crc32(body) body                  (one append, all or nothing)
 *   body    := u8 kind(1) u32 entryCount entry*
 *   entry   := u64 revision i64 created 16B id u16 streamLen u16 typeLen u16 contentTypeLen
 *              u32 dataLen u32 metadataLen stream type contentType data metadata
 *
 * An event's `$all` position is the file offset of its entry, so positions strictly increase
 * and are stable across restarts. Integers are little-endian.
 */
import { crc32 } from 'node:zlib';
import type { RecordedEvent } from './store';

export const FILE_MAGIC = 'SPILLWAY';
export const FILE_VERSION = 1;
export const FILE_HEADER_SIZE = 16;
/** bodyLength + crc32. */
export const RECORD_PREFIX_SIZE = 8;
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
  return header;
}

export function isFileHeader(buf: Buffer): boolean {
  return buf.length >= FILE_HEADER_SIZE && buf.toString('latin1', 0, 8) === FILE_MAGIC && buf.readUInt32LE(8) === FILE_VERSION;
}

const HEX = '0123456789abcdef';

function writeUuid(buf: Buffer, offset: number, id: string): void {
  const hex = id.replace(/-/g, '');
  buf.write(hex, offset, 16, 'hex');
}

function readUuid(buf: Buffer, offset: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    const b = buf[offset + i] as number;
    s += HEX[b >> 4]! + HEX[b & 15]!;
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
}

/** Encodes one append (already sized and positioned) as a single checksummed record. */
export function encodeRecord(events: readonly EntryFields[]): Buffer {
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
  return buf;
}

export type DecodeResult =
  | { readonly kind: 'record'; readonly events: RecordedEvent[]; readonly next: number }
  /** Not enough bytes for a whole record: the tail of a write cut short. */
  | { readonly kind: 'torn' }
  /** A whole record whose checksum or structure is wrong. */
  | { readonly kind: 'corrupt'; readonly reason: string };

/** Decodes the record starting at `offset` of `buf`; `base` is the file offset of `buf[0]`. */
export function decodeRecord(buf: Buffer, offset: number, base: number): DecodeResult {
  if (offset + RECORD_PREFIX_SIZE > buf.length) return { kind: 'torn' };
  const bodySize = buf.readUInt32LE(offset);
  const start = offset + RECORD_PREFIX_SIZE;
  if (bodySize < BODY_HEADER_SIZE) return { kind: 'corrupt', reason: `record body of ${bodySize} bytes` };
  if (start + bodySize > buf.length) return { kind: 'torn' };
  const body = buf.subarray(start, start + bodySize);
  if (crc32(body) !== buf.readUInt32LE(offset + 4)) return { kind: 'corrupt', reason: 'checksum mismatch' };
  if (body.readUInt8(0) !== KIND_APPEND) return { kind: 'corrupt', reason: `unknown record kind ${body.readUInt8(0)}` };
  const count = body.readUInt32LE(1);
  const events: RecordedEvent[] = [];
  let o = BODY_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    if (o + ENTRY_FIXED_SIZE > body.length) return { kind: 'corrupt', reason: 'entry overruns its record' };
    const streamLen = body.readUInt16LE(o + 32);
    const typeLen = body.readUInt16LE(o + 34);
    const ctLen = body.readUInt16LE(o + 36);
    const dataLen = body.readUInt32LE(o + 38);
    const metaLen = body.readUInt32LE(o + 42);
    const end = o + ENTRY_FIXED_SIZE + streamLen + typeLen + ctLen + dataLen + metaLen;
    if (end > body.length) return { kind: 'corrupt', reason: 'entry overruns its record' };
    let p = o + ENTRY_FIXED_SIZE;
    const streamId = body.toString('utf8', p, p + streamLen);
    p += streamLen;
    const type = body.toString('utf8', p, p + typeLen);
    p += typeLen;
    const contentType = body.toString('utf8', p, p + ctLen);
    p += ctLen;
    // Copies, so that the whole file buffer read at start-up can be released.
    const data = Uint8Array.prototype.slice.call(body, p, p + dataLen);
    p += dataLen;
    const metadata = Uint8Array.prototype.slice.call(body, p, p + metaLen);
    events.push({
      streamId,
      revision: body.readBigUInt64LE(o),
      position: BigInt(base + start + o),
      id: readUuid(body, o + 16),
      type,
      contentType,
      data,
      metadata,
      created: body.readBigInt64LE(o + 8),
    });
    o = end;
  }
  if (o !== body.length) return { kind: 'corrupt', reason: 'trailing bytes in record' };
  return { kind: 'record', events, next: start + bodySize };
}
