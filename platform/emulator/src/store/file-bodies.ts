/**
 * The durable mode's events: in the log file, read back on demand through a bounded cache.
 * Events not yet durable stay in memory until their write is synced (they are in the file
 * then, and the store only reads durable events from it).
 */
import * as fs from 'node:fs';
import type { EventBodies } from './event-bodies';
import { Interner } from './interner';
import { decodeEntry, ENTRY_FIXED_SIZE, entryEnd } from './log-format';
import type { RecordedEvent } from './store';

/** What the cache may hold, by the estimate below: recent events and re-read old ones. */
export const CACHE_BYTES = 32 * 1024 * 1024;
/** One read brings this much of the file, so a forward scan of old events costs one syscall per window. */
const READ_WINDOW_BYTES = 64 * 1024;
/**
 * Object, id string, bigints and data/metadata views of a RecordedEvent besides the bytes
 * they hold, plus its cache entry (measured with V8 heap snapshots after 300,000 appends:
 * names interned, payload copies out of Buffer's pool).
 */
const EVENT_OVERHEAD_BYTES = 400;

const estimate = (e: RecordedEvent) => EVENT_OVERHEAD_BYTES + e.data.byteLength + e.metadata.byteLength;

export class FileBodies implements EventBodies {
  /** Events `pendingStart`, `pendingStart + 1`, ... written but not yet durable (always the newest). */
  private pending: RecordedEvent[] = [];
  private pendingStart = 0;
  /** Insertion order is recency: a hit moves the entry to the end, eviction takes from the front. */
  private readonly cache = new Map<number, RecordedEvent>();
  private cacheBytes = 0;
  /**
   * One long-lived iterator finds the oldest entry: a Map iterator follows deletions and
   * insertions, while a fresh `entries().next()` walks every deleted slot at the front
   * again (quadratic: it made a million appends crawl).
   */
  private oldest: MapIterator<[number, RecordedEvent]> = this.cache.entries();
  private window: Buffer = Buffer.alloc(0);
  private windowBuffer: Buffer | undefined;
  private readonly names = new Interner();
  private readonly name = (value: string) => this.names.intern(value);
  private windowStart = 0;

  private fd: number | undefined;

  constructor(
    /** The log file, opened for reading on the first read (it may not exist yet when the store is built). */
    private readonly file: string,
    /** The file offset of event `index`'s entry (its `$all` position). */
    private readonly positionOf: (index: number) => number,
    private readonly cacheLimit = CACHE_BYTES,
  ) {}

  add(index: number, event: RecordedEvent): void {
    if (this.pending.length === 0) this.pendingStart = index;
    this.pending.push(event);
  }

  restored(): void {}

  durable(count: number): void {
    const n = Math.min(count - this.pendingStart, this.pending.length);
    if (n <= 0) return;
    for (let i = 0; i < n; i++) this.remember(this.pendingStart + i, this.pending[i]!);
    this.pending = n === this.pending.length ? [] : this.pending.slice(n);
    this.pendingStart += n;
  }

  get(index: number): RecordedEvent {
    const pending = index >= this.pendingStart ? this.pending[index - this.pendingStart] : undefined;
    if (pending) return pending;
    const cached = this.cache.get(index);
    if (cached) {
      this.cache.delete(index);
      this.cache.set(index, cached);
      return cached;
    }
    const event = this.read(this.positionOf(index));
    this.remember(index, event);
    return event;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.cache.clear();
    this.pending = [];
  }

  private remember(index: number, event: RecordedEvent): void {
    this.cache.set(index, event);
    this.cacheBytes += estimate(event);
    while (this.cacheBytes > this.cacheLimit) {
      const oldest = this.oldest.next();
      if (oldest.done) {
        this.oldest = this.cache.entries();
        if (this.cache.size === 0) break;
        continue;
      }
      this.cache.delete(oldest.value[0]);
      this.cacheBytes -= estimate(oldest.value[1]);
    }
  }

  private read(position: number): RecordedEvent {
    let o = position - this.windowStart;
    let end = o >= 0 && o < this.window.length ? entryEnd(this.window, o) : undefined;
    if (end === undefined) {
      this.fill(position, READ_WINDOW_BYTES);
      o = 0;
      end = entryEnd(this.window, 0);
      if (end === undefined) {
        // An entry larger than the window: its length fields are in the window now.
        this.fill(position, this.entrySize());
        end = entryEnd(this.window, 0);
        if (end === undefined) throw new Error(`the event log has no whole entry at position ${position}`);
      }
    }
    return decodeEntry(this.window, o, BigInt(position), this.name);
  }

  /** Size of the entry at the start of the window, from its header. */
  private entrySize(): number {
    const w = this.window;
    if (w.length < ENTRY_FIXED_SIZE) throw new Error(`the event log ends inside an entry header at ${this.windowStart}`);
    return ENTRY_FIXED_SIZE + w.readUInt16LE(32) + w.readUInt16LE(34) + w.readUInt16LE(36) + w.readUInt32LE(38) + w.readUInt32LE(42);
  }

  private fill(position: number, length: number): void {
    this.fd ??= fs.openSync(this.file, 'r');
    // Events decoded from the window are copies, so one window buffer serves every read (no
    // 64 KiB allocation per window for malloc to fragment); a larger entry gets its own.
    if (length <= READ_WINDOW_BYTES) this.windowBuffer ??= Buffer.allocUnsafe(READ_WINDOW_BYTES);
    const buf = length <= READ_WINDOW_BYTES ? this.windowBuffer! : Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = fs.readSync(this.fd, buf, read, length - read, position + read);
      if (n === 0) break;
      read += n;
    }
    this.window = buf.subarray(0, read);
    this.windowStart = position;
  }
}
