import * as fs from 'node:fs';

/** Bytes per cached block: one read of an old event brings its neighbours with it. */
export const BLOCK_BYTES = 64 * 1024;

/**
 * The log file's bytes, by aligned 64 KiB block, least recently used out first; appends are
 * copied in as they become durable (write-through), so recent events are read from memory.
 *
 * Every block lives in one buffer allocated once at the cache's full size (its pages become
 * resident as blocks are first used): no object per event in V8's heap, and no buffer freed
 * while others live on for malloc to fragment. A decoded event is a copy, made per read.
 */
export class LogCache {
  private slab: Buffer | undefined;
  private readonly capacity: number;
  /** Block number -> slot; a slot's block and last use, for eviction by a scan (reads from disk cost far more). */
  private readonly slots = new Map<number, number>();
  private readonly slotBlock: Float64Array;
  private readonly slotUsed: Float64Array;
  private used = 0;
  private clock = 0;
  /** Entries that cross a block boundary are put together here (never larger than a block). */
  private readonly scratch = Buffer.allocUnsafe(BLOCK_BYTES);
  private fd: number | undefined;
  /** Where the last `view` starts in the buffer it returned. */
  offset = 0;

  constructor(
    /** The log file, opened for reading on the first read (it may not exist yet when the store is built). */
    private readonly file: string,
    limitBytes: number,
  ) {
    this.capacity = Math.max(1, Math.floor(limitBytes / BLOCK_BYTES));
    this.slotBlock = new Float64Array(this.capacity);
    this.slotUsed = new Float64Array(this.capacity);
  }

  /**
   * A buffer holding the file's bytes [position, position + length) from `this.offset`, valid
   * until the next call. Only for bytes already written (durable); longer than a block, the
   * bytes are read straight from the file and not cached.
   */
  view(position: number, length: number): Buffer {
    const block = Math.floor(position / BLOCK_BYTES);
    const within = position - block * BLOCK_BYTES;
    if (within + length <= BLOCK_BYTES) {
      this.offset = this.slotOf(block) * BLOCK_BYTES + within;
      return this.slab!;
    }
    const out = length <= BLOCK_BYTES ? this.scratch : Buffer.allocUnsafe(length);
    if (length > BLOCK_BYTES) {
      this.readFile(out, 0, length, position);
    } else {
      const first = BLOCK_BYTES - within;
      const from = this.slotOf(block) * BLOCK_BYTES + within;
      this.slab!.copy(out, 0, from, from + first);
      // Copied before the next block is looked up: with a one-block cache it takes the same slot.
      const next = this.slotOf(block + 1) * BLOCK_BYTES;
      this.slab!.copy(out, first, next, next + length - first);
    }
    this.offset = 0;
    return out;
  }

  /** Copies bytes just made durable at `position` into the blocks they fall in (a block they start is added). */
  written(position: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const at = position + done;
      const block = Math.floor(at / BLOCK_BYTES);
      const within = at - block * BLOCK_BYTES;
      const n = Math.min(BLOCK_BYTES - within, bytes.length - done);
      let slot = this.slots.get(block);
      // A block not cached whose start was written earlier is read from the file when needed.
      if (slot === undefined && within === 0) slot = this.claim(block);
      if (slot !== undefined) {
        this.slotUsed[slot] = ++this.clock;
        this.slab!.set(bytes.subarray(done, done + n), slot * BLOCK_BYTES + within);
      }
      done += n;
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.slots.clear();
    this.used = 0;
  }

  /** The slot holding `block`, read from the file if it is not cached. */
  private slotOf(block: number): number {
    const cached = this.slots.get(block);
    if (cached !== undefined) {
      this.slotUsed[cached] = ++this.clock;
      return cached;
    }
    const slot = this.claim(block);
    // At the end of the file the rest of the block is left as it is: only written bytes are read.
    this.readFile(this.slab!, slot * BLOCK_BYTES, BLOCK_BYTES, block * BLOCK_BYTES, true);
    return slot;
  }

  /** A slot for `block`: a free one, or the least recently used one's. */
  private claim(block: number): number {
    this.slab ??= Buffer.allocUnsafeSlow(this.capacity * BLOCK_BYTES);
    let slot: number;
    if (this.used < this.capacity) {
      slot = this.used++;
    } else {
      slot = 0;
      for (let s = 1; s < this.capacity; s++) if (this.slotUsed[s]! < this.slotUsed[slot]!) slot = s;
      this.slots.delete(this.slotBlock[slot]!);
    }
    this.slots.set(block, slot);
    this.slotBlock[slot] = block;
    this.slotUsed[slot] = ++this.clock;
    return slot;
  }

  private readFile(into: Buffer, offset: number, length: number, position: number, toEnd = false): void {
    this.fd ??= fs.openSync(this.file, 'r');
    let read = 0;
    while (read < length) {
      const n = fs.readSync(this.fd, into, offset + read, length - read, position + read);
      if (n === 0) break;
      read += n;
    }
    if (read < length && !toEnd) throw new Error(`the event log ends at ${position + read}, inside the entry at ${position}`);
  }
}
