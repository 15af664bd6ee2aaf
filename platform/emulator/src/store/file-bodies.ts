/**
 * The durable mode's events: in the log file, read back on demand through a cache of the
 * file's bytes (log-cache.ts). Events not yet durable stay in memory until their write is
 * synced; then their record's bytes go into the cache, and the newest of them stay decoded
 * for a while (the recent tail), since most reads come right behind the writer: the system
 * projections, live persistent groups catching up, `$all` readers polling the head. Such a
 * read neither decodes nor copies, and every reader gets the same object, so the encodings
 * cached per record (read-response-encoding.ts) are shared between them.
 */
import type { EventBodies } from './event-bodies';
import type { PreparedRecord } from './journal';
import { LogCache } from './log-cache';
import { decodeEntry, ENTRY_FIXED_SIZE, encodedEntrySize } from './log-format';
import type { RecordedEvent } from './store';

/** Bytes of the log the cache keeps: the most recent ones and re-read old ones. */
export const CACHE_BYTES = 32 * 1024 * 1024;
/**
 * Durable events the recent tail keeps decoded. Readers right behind the writer read within
 * tens of milliseconds (the system projections gather for 20 ms), a few hundred events at
 * a busy shop's rate. Kept longer, the events would outlive V8's young generation and be
 * copied into the old one, which costs more than decoding them again.
 */
export const RECENT_EVENTS = 512;
/** The recent tail's bound in bytes of data and metadata, plus RECENT_EVENT_OVERHEAD each. */
const RECENT_BYTES = 1024 * 1024;
/** About what a decoded event costs besides its payload: the object, its strings and bigints. */
const RECENT_EVENT_OVERHEAD = 256;
/** Dropped events are compacted out of the tail's array once this many have gathered at its front. */
const COMPACT_AFTER = 1024;

const costOf = (event: RecordedEvent): number => event.data.byteLength + event.metadata.byteLength + RECENT_EVENT_OVERHEAD;

export class FileBodies implements EventBodies {
  /**
   * The newest events: `tail[head]` is event `tailStart`, and so on to the last one written.
   * Those before `durableCount` are the recent tail; the rest are not durable yet. Slots before
   * `head` were dropped and wait to be compacted away.
   */
  private tail: (RecordedEvent | undefined)[] = [];
  private head = 0;
  private tailStart = 0;
  private durableCount = 0;
  /** What the durable events in the tail cost (costOf). */
  private recentCost = 0;
  private readonly cache: LogCache;

  constructor(
    /** The log file (it may not exist yet when the store is built). */
    file: string,
    /** The file offset of event `index`'s entry (its `$all` position). */
    private readonly positionOf: (index: number) => number,
    cacheLimit = CACHE_BYTES,
    /** Durable events kept decoded (RECENT_EVENTS by default); 0 sends every durable read to the log. */
    private readonly recentLimit = RECENT_EVENTS,
  ) {
    this.cache = new LogCache(file, cacheLimit);
  }

  add(index: number, event: RecordedEvent): void {
    if (this.head === this.tail.length) {
      this.tail = [];
      this.head = 0;
      this.tailStart = index;
    }
    this.tail.push(event);
  }

  restored(index: number): void {
    this.durableCount = index + 1;
  }

  durable(count: number, record?: PreparedRecord): void {
    if (record?.bytes) this.cache.written(record.start, record.bytes);
    const tailEnd = this.tailStart + this.tail.length - this.head;
    for (let i = Math.max(this.durableCount, this.tailStart); i < Math.min(count, tailEnd); i++) {
      this.recentCost += costOf(this.tail[this.head + i - this.tailStart]!);
    }
    this.durableCount = Math.max(this.durableCount, count);
    while (
      this.tailStart < this.durableCount &&
      this.head < this.tail.length &&
      (this.durableCount - this.tailStart > this.recentLimit || this.recentCost > RECENT_BYTES)
    ) {
      this.recentCost -= costOf(this.tail[this.head]!);
      this.tail[this.head++] = undefined;
      this.tailStart++;
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.tail.length) {
      this.tail = this.tail.slice(this.head);
      this.head = 0;
    }
  }

  get(index: number): RecordedEvent {
    const kept = index >= this.tailStart ? this.tail[this.head + index - this.tailStart] : undefined;
    if (kept) return kept;
    const position = this.positionOf(index);
    const header = this.cache.view(position, ENTRY_FIXED_SIZE);
    const entry = this.cache.view(position, encodedEntrySize(header, this.cache.offset));
    return decodeEntry(entry, this.cache.offset, BigInt(position));
  }

  close(): void {
    this.cache.close();
    this.tail = [];
    this.head = 0;
    this.recentCost = 0;
  }
}
