/**
 * The durable mode's events: in the log file, read back on demand through a cache of the
 * file's bytes (log-cache.ts). Events not yet durable stay in memory until their write is
 * synced; then their record's bytes go into the cache and the events themselves are dropped.
 */
import type { EventBodies } from './event-bodies';
import type { PreparedRecord } from './journal';
import { LogCache } from './log-cache';
import { decodeEntry, ENTRY_FIXED_SIZE } from './log-format';
import type { RecordedEvent } from './store';

/** Bytes of the log the cache keeps: the most recent ones and re-read old ones. */
export const CACHE_BYTES = 32 * 1024 * 1024;

export class FileBodies implements EventBodies {
  /** Events `pendingStart`, `pendingStart + 1`, ... written but not yet durable (always the newest). */
  private pending: RecordedEvent[] = [];
  private pendingStart = 0;
  private readonly cache: LogCache;

  constructor(
    /** The log file (it may not exist yet when the store is built). */
    file: string,
    /** The file offset of event `index`'s entry (its `$all` position). */
    private readonly positionOf: (index: number) => number,
    cacheLimit = CACHE_BYTES,
  ) {
    this.cache = new LogCache(file, cacheLimit);
  }

  add(index: number, event: RecordedEvent): void {
    if (this.pending.length === 0) this.pendingStart = index;
    this.pending.push(event);
  }

  restored(): void {}

  durable(count: number, record?: PreparedRecord): void {
    if (record?.bytes) this.cache.written(record.start, record.bytes);
    const n = Math.min(count - this.pendingStart, this.pending.length);
    if (n <= 0) return;
    this.pending = n === this.pending.length ? [] : this.pending.slice(n);
    this.pendingStart += n;
  }

  get(index: number): RecordedEvent {
    const pending = index >= this.pendingStart ? this.pending[index - this.pendingStart] : undefined;
    if (pending) return pending;
    const position = this.positionOf(index);
    const header = this.cache.view(position, ENTRY_FIXED_SIZE);
    const o = this.cache.offset;
    const size =
      ENTRY_FIXED_SIZE +
      header.readUInt16LE(o + 32) +
      header.readUInt16LE(o + 34) +
      header.readUInt16LE(o + 36) +
      header.readUInt32LE(o + 38) +
      header.readUInt32LE(o + 42);
    const entry = this.cache.view(position, size);
    return decodeEntry(entry, this.cache.offset, BigInt(position));
  }

  close(): void {
    this.cache.close();
    this.pending = [];
  }
}
