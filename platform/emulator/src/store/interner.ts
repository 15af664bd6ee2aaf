/**
 * One string per distinct value for the few names events repeat (stream names, event types,
 * content types): every event decoded would otherwise hold its own copies in the cache.
 * Bounded: past `limit` distinct values it starts over (a name seen again is stored once more).
 */
export class Interner {
  private readonly seen = new Map<string, string>();

  constructor(private readonly limit = 4096) {}

  intern(value: string): string {
    const known = this.seen.get(value);
    if (known !== undefined) return known;
    if (this.seen.size >= this.limit) this.seen.clear();
    this.seen.set(value, value);
    return value;
  }
}
