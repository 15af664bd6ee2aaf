/**
 * Reads a log file front to back, checking every record, and says exactly where and how it
 * is damaged. Start-up, `spillway log verify` and `spillway log repair` all go through here,
 * so they agree on what is a torn tail (dropped, and said so) and what is corruption
 * (refused). Reads in chunks: memory stays bounded whatever the file's size.
 */
import * as fs from 'node:fs';
import { checkRecordHeader, decodeRecord, FILE_HEADER_SIZE, RECORD_PREFIX_SIZE } from './log-format';
import type { RecordedEvent } from './store';

const CHUNK_BYTES = 8 * 1024 * 1024;
/** How far past a damaged header to look for the next record, to count what the damage hides. */
const RESYNC_WINDOW_BYTES = 4 * 1024 * 1024;

/** What lies after the first damaged record: counted, never delivered. */
export interface AfterDamage {
  readonly records: number;
  readonly events: number;
  /** False when a second damaged header stopped the count (the figures are then a floor). */
  readonly complete: boolean;
}

export type Damage =
  /** The file ends inside the last record: a write cut short by a crash. */
  | { readonly kind: 'torn'; readonly offset: number; readonly bytes: number; readonly entries: number | undefined }
  /** A whole record (or header) is wrong: bit rot, an overwrite, a bad copy. */
  | { readonly kind: 'corrupt'; readonly offset: number; readonly bytes: number; readonly reason: string; readonly after: AfterDamage };

export interface LogScan {
  readonly file: string;
  readonly size: number;
  /** Offset after the last good record: where the log would continue. */
  readonly end: number;
  /** Good records and events before `end`. */
  readonly records: number;
  readonly events: number;
  /** Position of the last good event (undefined when there is none). */
  readonly lastPosition: bigint | undefined;
  readonly damage: Damage | undefined;
}

/**
 * A sliding window over the file: `buf[0]` is file offset `base`. Nothing decoded from it
 * keeps a view into it (see decodeEntryLight), so one buffer serves every chunk: a new 8 MiB
 * buffer per chunk left malloc's heap at tens of megabytes after a restart.
 */
class Window {
  buf: Buffer = Buffer.alloc(0);
  base = 0;
  private space: Buffer | undefined;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** Makes the window hold [offset, offset + length), or up to the end of the file. */
  ensure(offset: number, length: number): void {
    const want = Math.min(offset + length, this.size);
    if (offset >= this.base && want <= this.base + this.buf.length) return;
    const end = Math.min(this.size, Math.max(want, offset + CHUNK_BYTES));
    // A record larger than the space gets a larger one, kept for the rest of the scan.
    if (this.space === undefined || this.space.length < end - offset)
      this.space = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, end - offset));
    const buf = this.space.subarray(0, end - offset);
    let read = 0;
    while (read < buf.length) {
      const n = fs.readSync(this.fd, buf, read, buf.length - read, offset + read);
      if (n === 0) throw new Error(`reading ${end - offset} bytes at ${offset}: the file shrank while being read`);
      read += n;
    }
    this.buf = buf;
    this.base = offset;
  }

  /** True when the window reaches the end of the file. */
  get atEnd(): boolean {
    return this.base + this.buf.length >= this.size;
  }
}

type Step =
  | { readonly kind: 'record'; readonly events: RecordedEvent[]; readonly next: number }
  | { readonly kind: 'torn'; readonly entries: number | undefined }
  | { readonly kind: 'corrupt'; readonly reason: string; readonly next: number | undefined };

function step(w: Window, offset: number, light = false): Step {
  w.ensure(offset, RECORD_PREFIX_SIZE);
  let header = checkRecordHeader(w.buf, offset - w.base, w.base);
  // Torn within the window but not at the end of the file: the header holds, so its length
  // can be trusted; read the whole record and look again.
  if (header.kind === 'torn' && !w.atEnd && offset + RECORD_PREFIX_SIZE <= w.base + w.buf.length) {
    w.ensure(offset, RECORD_PREFIX_SIZE + w.buf.readUInt32LE(offset - w.base));
    header = checkRecordHeader(w.buf, offset - w.base, w.base);
  }
  if (header.kind !== 'ok') return header;
  return decodeRecord(w.buf, offset - w.base, w.base, light);
}

/** Looks for the next place a record header checks out, within a bounded window. */
function resync(w: Window, from: number): number | undefined {
  const limit = Math.min(w.size - RECORD_PREFIX_SIZE, from + RESYNC_WINDOW_BYTES);
  for (let p = from; p <= limit; p++) {
    w.ensure(p, RECORD_PREFIX_SIZE);
    const header = checkRecordHeader(w.buf, p - w.base, w.base);
    if (header.kind === 'ok' || (header.kind === 'torn' && p + RECORD_PREFIX_SIZE <= w.size)) return p;
  }
  return undefined;
}

function countAfter(w: Window, damaged: number, next: number | undefined): AfterDamage {
  let records = 0;
  let events = 0;
  let offset = next ?? resync(w, damaged + 1);
  while (offset !== undefined && offset < w.size) {
    const s = step(w, offset, true);
    if (s.kind === 'torn') return { records, events, complete: true };
    if (s.kind === 'corrupt') {
      offset = s.next ?? resync(w, offset + 1);
      if (offset === undefined) return { records, events, complete: false };
      continue;
    }
    records++;
    events += s.events.length;
    offset = s.next;
  }
  return { records, events, complete: offset !== undefined || next !== undefined };
}

/**
 * Scans the records of an open log file whose file header has been checked. `onRecord` gets
 * every good record before the first damage, in order, with the offset after it; its events
 * carry what indexing needs (log-format.ts decodeEntryLight), every checksum still checked.
 */
export function scanRecords(file: string, fd: number, onRecord: (events: RecordedEvent[], end: number) => void = () => {}): LogScan {
  const size = fs.fstatSync(fd).size;
  const w = new Window(fd, size);
  let offset = FILE_HEADER_SIZE;
  let records = 0;
  let events = 0;
  let lastPosition: bigint | undefined;
  let damage: Damage | undefined;
  while (offset < size) {
    const s = step(w, offset, true);
    if (s.kind === 'torn') {
      damage = { kind: 'torn', offset, bytes: size - offset, entries: s.entries };
      break;
    }
    if (s.kind === 'corrupt') {
      damage = { kind: 'corrupt', offset, bytes: size - offset, reason: s.reason, after: countAfter(w, offset, s.next) };
      break;
    }
    records++;
    events += s.events.length;
    if (s.events.length > 0) lastPosition = s.events.at(-1)!.position;
    onRecord(s.events, s.next);
    offset = s.next;
  }
  return { file, size, end: offset, records, events, lastPosition, damage };
}
