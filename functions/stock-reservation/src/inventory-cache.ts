import { type InventoryEvent, inventoryStream, parseInventoryEvent } from '@spillway/contracts';
import type { EventStoreAccess, ExpectedRevision } from '@spillway/runtime';
import { evolve, type InventoryState, initialState } from './decider';

interface Entry {
  state: InventoryState;
  /** The stream revision to read from next; also what the next append expects (minus one). */
  next: bigint;
  /** False until the entry has been read from the store once. */
  read: boolean;
}

function errorType(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined;
}

/** The client's WrongExpectedVersionError, recognised by its stable `type` so no client class is imported here. */
export function isWrongExpectedVersion(err: unknown): boolean {
  return errorType(err) === 'wrong-expected-version';
}

/**
 * Inventory states this replica has folded. A hot SKU's stream grows with every order; folding it
 * from the start for every reservation would make each one cost O(stream length), and even reading
 * forward from where it stopped costs a round trip per reservation. So a SKU is read once, then
 * kept current by `appended` with what this replica writes, and trusted: streams are append-only,
 * so a cached state is never wrong, only possibly behind (another replica, a restock). An append's
 * expected revision catches that, and `current(es, sku, { refresh: true })` then reads what it missed;
 * a decision that appends nothing has no such check, so callers take it only on a `fresh` state.
 * Callers must hold the SKU's lock: two concurrent reads of one SKU would fold the same events twice.
 */
export class InventoryCache {
  private readonly entries = new Map<string, Entry>();

  async current(
    es: EventStoreAccess,
    sku: string,
    options: { refresh?: boolean } = {},
  ): Promise<{ state: InventoryState; revision: ExpectedRevision; fresh: boolean }> {
    let entry = this.entries.get(sku);
    if (!entry) {
      entry = { state: initialState(), next: 0n, read: false };
      this.entries.set(sku, entry);
    }
    // Fresh: read from the store just now, so nothing appended before this call is missing.
    const fresh = !entry.read || options.refresh === true;
    if (fresh) {
      await this.readForward(es, sku, entry);
      entry.read = true;
    }
    return { state: entry.state, revision: revisionOf(entry), fresh };
  }

  /** Records events this replica appended at `expected` (the revision the append stated), so the next decision needs no read. */
  appended(sku: string, expected: ExpectedRevision, events: readonly InventoryEvent[]): void {
    const entry = this.entries.get(sku);
    // Only when the append followed on from the cached state; anything else is left to the next refresh.
    if (!entry || revisionOf(entry) !== expected) return;
    for (const event of events) entry.state = evolve(entry.state, event);
    entry.next += BigInt(events.length);
  }

  private async readForward(es: EventStoreAccess, sku: string, entry: Entry): Promise<void> {
    try {
      for await (const resolved of es.client.readStream(inventoryStream(sku), { fromRevision: entry.next })) {
        const raw = resolved.event;
        if (!raw) continue;
        // Tolerant: an unknown type is skipped, an invalid event quarantined and skipped, so one bad event
        // does not stop every later reservation and restock of this SKU.
        const event: InventoryEvent | undefined = await es.tolerate(raw, parseInventoryEvent);
        if (event) entry.state = evolve(entry.state, event);
        entry.next = raw.revision + 1n;
      }
    } catch (err) {
      if (errorType(err) !== 'stream-not-found') throw new Error(`reading stream '${inventoryStream(sku)}'`, { cause: err });
    }
  }
}

function revisionOf(entry: Entry): ExpectedRevision {
  return entry.next === 0n ? 'no_stream' : entry.next - 1n;
}
