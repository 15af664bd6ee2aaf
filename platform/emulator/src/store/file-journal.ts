/**
 * The durable log: one append-only file of checksummed records (see log-format.ts).
 *
 * Group commit: batches queue while a write is in flight; each flush writes every queued
 * batch with one writev and one fdatasync, then acknowledges them in order. An append is
 * acknowledged only after the fdatasync that covers it, so `kill -9` at any moment loses
 * nothing acknowledged; what it can leave is a torn tail, which `open` cuts off.
 *
 * Where the platform has O_DSYNC the log is opened with it, and the writev is the sync: it
 * returns once its bytes are on disk, as writev followed by fdatasync would, in one trip to
 * the thread pool instead of two (each costs the event loop a request, a wake-up and a
 * callback, for every group commit).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { lockDataDir } from './data-dir-lock';
import type { Journal, PreparedRecord } from './journal';
import { checkLog, damageReport, LOG_FILE, LogDamagedError, tornTailReport } from './log-check';
import { encodeRecord, FILE_HEADER_SIZE, fileHeader } from './log-format';
import type { RecordedEvent } from './store';

const writev = promisify(fs.writev);
const fdatasync = promisify(fs.fdatasync);
/** Undefined where the platform has no O_DSYNC (Windows): then every flush ends with an fdatasync. */
const O_DSYNC: number | undefined = fs.constants.O_DSYNC;
const OPEN_NEW = fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC | (O_DSYNC ?? 0);
const OPEN_EXISTING = fs.constants.O_RDWR | (O_DSYNC ?? 0);

export { LOG_FILE };

interface Queued {
  readonly buffer: Buffer;
  readonly done: (error?: Error) => void;
}

export interface OpenOptions {
  /**
   * Gets each good record read back at start-up, in log order, with the offset after it; its
   * events carry what indexing needs (whole for metastreams; see log-format.ts decodeEntryLight).
   */
  readonly onRecord?: (events: RecordedEvent[], end: number) => void;
  /** Told what start-up dropped (a torn tail) or started anew; never silent. */
  readonly warn?: (message: string) => void;
}

export interface Recovered {
  readonly journal: FileJournal;
  /** File offset after the last good record: where the next one goes. */
  readonly end: number;
  /** Bytes of a torn tail cut off (0 when the log was clean); they are saved beside the log. */
  readonly truncated: number;
}

export class FileJournal implements Journal {
  private queue: Queued[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;
  /** Where the next accepted record goes (after everything queued or being written). */
  private tail: number;

  private constructor(
    private readonly fd: number,
    private offset: number,
    private readonly release: () => void,
  ) {
    this.tail = offset;
  }

  /**
   * Opens (or creates) the log in `dataDir` and reads it back. A torn tail (the file ends
   * inside its last record: a write cut short, never acknowledged) is saved beside the log,
   * cut off and reported through `warn`. Anything else wrong throws a LogDamagedError naming
   * the file, the offset and what is affected: the log is left as it is for `spillway log repair`.
   */
  static async open(dataDir: string, options: OpenOptions = {}): Promise<Recovered> {
    const warn = options.warn ?? (() => {});
    fs.mkdirSync(dataDir, { recursive: true });
    const release = lockDataDir(dataDir);
    let fd: number | undefined;
    try {
      const file = path.join(dataDir, LOG_FILE);
      if (!fs.existsSync(file)) {
        fd = fs.openSync(file, OPEN_NEW);
        writeFreshHeader(fd);
        syncDirectory(dataDir);
        return { journal: new FileJournal(fd, FILE_HEADER_SIZE, release), end: FILE_HEADER_SIZE, truncated: 0 };
      }
      fd = fs.openSync(file, OPEN_EXISTING);
      const check = checkLog(file, fd, options.onRecord);
      if (check.kind === 'partial') {
        // Crashed while creating the file: what is there is the start of a header, nothing else.
        writeFreshHeader(fd);
        warn(`${file}: ${check.size} bytes, the start of a file header (a crash while it was being created): started it anew`);
        return { journal: new FileJournal(fd, FILE_HEADER_SIZE, release), end: FILE_HEADER_SIZE, truncated: check.size };
      }
      if (check.kind === 'unreadable' || check.scan.damage?.kind === 'corrupt') {
        throw new LogDamagedError(damageReport(check, dataDir), check);
      }
      const { scan } = check;
      if (scan.damage?.kind === 'torn') {
        const savedTo = saveTail(fd, file, scan.damage.offset, scan.size, 'torn');
        fs.ftruncateSync(fd, scan.end);
        fs.fsyncSync(fd);
        warn(tornTailReport(scan, savedTo));
      }
      return { journal: new FileJournal(fd, scan.end, release), end: scan.end, truncated: scan.size - scan.end };
    } catch (error) {
      if (fd !== undefined) fs.closeSync(fd);
      release();
      throw error;
    }
  }

  /** Encodes the batch; throws (a RecordTooLargeError, or a layout out of step with the log) before anything is queued. */
  prepare(events: readonly RecordedEvent[], start: number, end: number): PreparedRecord {
    const bytes = encodeRecord(events, start);
    if (end !== start + bytes.length) throw new Error(`event log out of step: record at ${start}..${end} encodes to ${bytes.length} bytes`);
    return { events, start, end, bytes };
  }

  write(record: PreparedRecord, done: (error?: Error) => void): void {
    if (this.failure) {
      done(this.failure);
      return;
    }
    if (this.closed) {
      done(new Error('the event log is closed'));
      return;
    }
    if (record.bytes === undefined || record.start !== this.tail) {
      done(new Error(`event log out of step: record at ${record.start}, log at ${this.tail}`));
      return;
    }
    this.tail = record.end;
    this.queue.push({ buffer: record.bytes, done });
    this.flushing ??= this.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    try {
      if (!this.failure) fs.fsyncSync(this.fd);
    } finally {
      fs.closeSync(this.fd);
      this.release();
    }
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        const buffers = batch.map((q) => q.buffer);
        try {
          let written = 0;
          const total = buffers.reduce((n, b) => n + b.length, 0);
          while (written < total) {
            const remaining = sliceFrom(buffers, written);
            written += (await writev(this.fd, remaining, this.offset + written)).bytesWritten;
          }
          if (O_DSYNC === undefined) await fdatasync(this.fd);
          this.offset += total;
        } catch (error) {
          this.failure = error instanceof Error ? error : new Error(String(error));
          for (const q of [...batch, ...this.queue]) q.done(this.failure);
          this.queue = [];
          return;
        }
        for (const q of batch) q.done();
      }
    } finally {
      this.flushing = undefined;
    }
  }
}

function sliceFrom(buffers: readonly Buffer[], skip: number): Buffer[] {
  if (skip === 0) return [...buffers];
  const out: Buffer[] = [];
  let left = skip;
  for (const b of buffers) {
    if (left >= b.length) {
      left -= b.length;
      continue;
    }
    out.push(left > 0 ? b.subarray(left) : b);
    left = 0;
  }
  return out;
}

function writeFreshHeader(fd: number): void {
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, fileHeader(), 0, FILE_HEADER_SIZE, 0);
  fs.fsyncSync(fd);
}

/** Copies bytes [from, to) of the log into a new file beside it (`<log>.<what>-<time>`), synced; returns its path. */
export function saveTail(fd: number, file: string, from: number, to: number, what: string): string {
  const target = `${file}.${what}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const out = fs.openSync(target, 'wx');
  try {
    const chunk = Buffer.allocUnsafe(Math.min(to - from, 1024 * 1024));
    for (let at = from; at < to; ) {
      const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, to - at), at);
      if (n === 0) break;
      fs.writeSync(out, chunk, 0, n);
      at += n;
    }
    fs.fsyncSync(out);
  } finally {
    fs.closeSync(out);
  }
  syncDirectory(path.dirname(file));
  return target;
}

export function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Not every platform can fsync a directory; the file itself is synced either way.
  }
}
