/**
 * How much the idempotency check remembers of recent event ids for `any` / `stream_exists`
 * appends, sized as EventStoreDB sizes its committed-events cache
 * (ESConsts.CommitedEventsMemCacheLimit, 8 MiB at 16 + 4 + 8 + 2 bytes per stream-name char):
 * about 120,000 events with 20-character stream names.
 */
export const RECENT_IDS_BYTES = 8 * 1024 * 1024;
/** What EventStoreDB counts for one remembered id of an event in `streamId`. */
export const recentIdCost = (streamId: string): number => 28 + 2 * streamId.length;
/** The ring's first capacity (a power of two; it doubles when full). */
const RING_START = 65_536;
/** Above any id's cost (28 + 2 * 65,535 for the longest stream name). */
const COST_SPAN = 2 ** 18;
/** The table has twice the ring's slots: linear probing stays short at half full or less. */
const TABLE_PER_RING = 2;

/** FNV-1a over the id's UTF-16 units: the table's key; a match is confirmed against the event. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The idempotency check's memory: the `$all` index of the newest event with a given id, for
 * the ids of the last `budget` bytes of events (EventStoreDB's cost per id).
 *
 * Nothing here is an object per event: ids are kept as 32-bit hashes in typed arrays (a Map
 * of id strings took about 370 bytes of V8 heap per id: the string, its pieces and the Map
 * entry, 70 MB for the ids a 1,000,000-event log leaves remembered). A hash is not the id:
 * a lookup confirms each candidate by reading its event's id through `idAt`, so two ids with
 * the same hash cost one extra read and never a wrong answer.
 *
 * The ring holds what is remembered, oldest first from `head` to `tail` (counters; the slot
 * is the counter masked by the capacity): each entry's hash, and its index and cost packed in
 * one number (index * 2^18 + cost; an index is below 2^35). The table maps hash -> index with
 * linear probing (index + 1 stored, 0 is an empty slot); an id written twice has two entries,
 * and a lookup takes the newest that matches.
 */
export class RecentIds {
  private ringHashes = new Uint32Array(RING_START);
  private ringSlots = new Float64Array(RING_START);
  private head = 0;
  private tail = 0;
  private bytes = 0;
  private keys = new Uint32Array(RING_START * TABLE_PER_RING);
  private values = new Float64Array(RING_START * TABLE_PER_RING);
  private shift = 32 - Math.log2(RING_START * TABLE_PER_RING);

  constructor(
    /** The id of the event at `$all` index `index` (any index remembered here). */
    private readonly idAt: (index: number) => string,
    private readonly budget = RECENT_IDS_BYTES,
    private readonly hash: (id: string) => number = hashId,
  ) {}

  /** Remembers that event `index` has `id`; `forgetOld` then keeps the memory within budget. */
  remember(id: string, index: number, cost: number): void {
    if (this.tail - this.head === this.ringHashes.length) this.grow();
    const h = this.hash(id);
    const at = this.tail & (this.ringHashes.length - 1);
    this.ringHashes[at] = h;
    this.ringSlots[at] = index * COST_SPAN + cost;
    this.tail++;
    this.bytes += cost;
    this.insert(h, index);
  }

  /** Forgets the oldest ids until what is remembered fits the budget. */
  forgetOld(): void {
    const mask = this.ringHashes.length - 1;
    while (this.bytes > this.budget && this.head < this.tail) {
      const at = this.head & mask;
      const slot = this.ringSlots[at]!;
      const cost = slot % COST_SPAN;
      this.remove(this.ringHashes[at]!, (slot - cost) / COST_SPAN);
      this.bytes -= cost;
      this.head++;
    }
  }

  /** The `$all` index of the newest remembered event with `id`, if any. */
  find(id: string): number | undefined {
    const h = this.hash(id);
    const mask = this.keys.length - 1;
    let found = -1;
    for (let i = this.home(h); this.values[i] !== 0; i = (i + 1) & mask) {
      const index = this.values[i]! - 1;
      if (this.keys[i] === h && index > found && this.idAt(index) === id) found = index;
    }
    return found < 0 ? undefined : found;
  }

  private home(h: number): number {
    return Math.imul(h, 0x9e3779b1) >>> this.shift;
  }

  private insert(h: number, index: number): void {
    const mask = this.keys.length - 1;
    let i = this.home(h);
    while (this.values[i] !== 0) i = (i + 1) & mask;
    this.keys[i] = h;
    this.values[i] = index + 1;
  }

  /** Removes the entry (h, index), shifting later entries of its probe run back (no tombstones). */
  private remove(h: number, index: number): void {
    const mask = this.keys.length - 1;
    let i = this.home(h);
    while (!(this.keys[i] === h && this.values[i] === index + 1)) {
      if (this.values[i] === 0) throw new Error(`recent ids: entry for index ${index} is missing`);
      i = (i + 1) & mask;
    }
    for (let j = (i + 1) & mask; this.values[j] !== 0; j = (j + 1) & mask) {
      const k = this.home(this.keys[j]!);
      // The entry at j stays when its home lies cyclically in (i, j]: moving it to i would put it before its home.
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (stays) continue;
      this.keys[i] = this.keys[j]!;
      this.values[i] = this.values[j]!;
      i = j;
    }
    this.values[i] = 0;
  }

  /** Doubles the ring (oldest entry first at slot 0) and rebuilds the table at twice its size. */
  private grow(): void {
    const count = this.tail - this.head;
    const mask = this.ringHashes.length - 1;
    const hashes = new Uint32Array(this.ringHashes.length * 2);
    const slots = new Float64Array(this.ringHashes.length * 2);
    for (let n = 0; n < count; n++) {
      const at = (this.head + n) & mask;
      hashes[n] = this.ringHashes[at]!;
      slots[n] = this.ringSlots[at]!;
    }
    this.ringHashes = hashes;
    this.ringSlots = slots;
    this.head = 0;
    this.tail = count;
    this.keys = new Uint32Array(hashes.length * TABLE_PER_RING);
    this.values = new Float64Array(hashes.length * TABLE_PER_RING);
    this.shift = 32 - Math.log2(this.keys.length);
    for (let n = 0; n < count; n++) {
      const cost = slots[n]! % COST_SPAN;
      this.insert(hashes[n]!, (slots[n]! - cost) / COST_SPAN);
    }
  }
}
