/**
 * The durable log: one append-only file of checksummed records (see log-format.ts).
 *
 * Group commit: batches queue while a write is in flight; each flush writes every queued
 * batch with one writev and one fdatasync, then acknowledges them in order. An append is
 * acknowledged only after the fdatasync that covers it, so `kill -9` at any moment loses
 * nothing acknowledged; what it can leave is a torn tail, which `open` cuts off.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Journal } from './journal';
import { decodeRecord, encodeRecord, FILE_HEADER_SIZE, fileHeader, isFileHeader } from './log-format';
import type { RecordedEvent } from './store';

const writev = promisify(fs.writev);
const fdatasync = promisify(fs.fdatasync);

export const LOG_FILE = 'events.spwlog';
const LOCK_FILE = 'emulator.lock';

interface Queued {
  readonly buffer: Buffer;
  readonly done: (error?: Error) => void;
}

export interface Recovered {
  readonly journal: FileJournal;
  readonly events: RecordedEvent[];
  /** File offset after the last good record: where the next one goes. */
  readonly end: number;
  /** Bytes cut off a torn or corrupt tail (0 when the log was clean). */
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

  /** Opens (or creates) the log in `dataDir`, reads it back, and truncates a torn tail. */
  static async open(dataDir: string): Promise<Recovered> {
    fs.mkdirSync(dataDir, { recursive: true });
    const release = lockDataDir(dataDir);
    try {
      const file = path.join(dataDir, LOG_FILE);
      const created = !fs.existsSync(file);
      const fd = fs.openSync(file, created ? 'w+' : 'r+');
      if (created) {
        fs.writeSync(fd, fileHeader(), 0, FILE_HEADER_SIZE, 0);
        fs.fsyncSync(fd);
        syncDirectory(dataDir);
        return { journal: new FileJournal(fd, FILE_HEADER_SIZE, release), events: [], end: FILE_HEADER_SIZE, truncated: 0 };
      }
      const content = fs.readFileSync(file);
      if (content.length < FILE_HEADER_SIZE) {
        // Crashed while creating the file: nothing was ever acknowledged.
        fs.ftruncateSync(fd, 0);
        fs.writeSync(fd, fileHeader(), 0, FILE_HEADER_SIZE, 0);
        fs.fsyncSync(fd);
        return { journal: new FileJournal(fd, FILE_HEADER_SIZE, release), events: [], end: FILE_HEADER_SIZE, truncated: content.length };
      }
      if (!isFileHeader(content)) {
        fs.closeSync(fd);
        throw new Error(`emulator: ${file} is not a Spillway event log (bad header)`);
      }
      const events: RecordedEvent[] = [];
      let offset = FILE_HEADER_SIZE;
      while (offset < content.length) {
        const result = decodeRecord(content, offset, 0);
        // Records are acknowledged in file order after an fdatasync, so the first bad one
        // and everything after it come from writes that were never acknowledged.
        if (result.kind !== 'record') break;
        for (const event of result.events) events.push(event);
        offset = result.next;
      }
      const truncated = content.length - offset;
      if (truncated > 0) {
        fs.ftruncateSync(fd, offset);
        fs.fsyncSync(fd);
      }
      return { journal: new FileJournal(fd, offset, release), events, end: offset, truncated };
    } catch (error) {
      release();
      throw error;
    }
  }

  write(events: readonly RecordedEvent[], start: number, end: number, done: (error?: Error) => void): void {
    if (this.failure) {
      done(this.failure);
      return;
    }
    if (this.closed) {
      done(new Error('the event log is closed'));
      return;
    }
    const buffer = encodeRecord(events);
    if (start !== this.tail || end !== start + buffer.length) {
      done(new Error(`event log out of step: record at ${start}..${end}, log at ${this.tail}, record of ${buffer.length} bytes`));
      return;
    }
    this.tail = end;
    this.queue.push({ buffer, done });
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
          await fdatasync(this.fd);
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

function syncDirectory(dir: string): void {
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

/** One emulator per data folder: a lock file naming the owner's pid; a dead owner's lock is taken over. */
function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(owner) && isAlive(owner)) {
        throw new Error(`emulator: ${dataDir} is in use by process ${owner} (${file})`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`emulator: cannot lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
