import { type InventoryEvent, inventoryStream, parseInventoryEvent } from '@spillway/contracts';
import type { EventStoreAccess, ExpectedRevision } from '@spillway/runtime';
import { evolve, type InventoryState, initialState } from './decider';

interface Entry {
  state: InventoryState;
  /** The stream revision to read from next; also what the next append expects (minus one). */
  next: bigint;
}

function errorType(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined;
}

/** The client's WrongExpectedVersionError, recognised by its stable `type` so no client class is imported here. */
export function isWrongExpectedVersion(err: unknown): boolean {
  return errorType(err) === 'wrong-expected-version';
}

/**
 * Inventory states this replica has folded, each read forward from where it stopped. A hot SKU's
 * stream grows with every order; folding it from the start for every reservation would make each
 * one cost O(stream length). Streams are append-only, so a cached state is never wrong, only
 * possibly behind: the append's expected revision catches that, and the next read catches up.
 * Callers must hold the SKU's lock: two concurrent reads of one SKU would fold the same events twice.
 */
export class InventoryCache {
  private readonly entries = new Map<string, Entry>();

  async current(es: EventStoreAccess, sku: string): Promise<{ state: InventoryState; revision: ExpectedRevision }> {
    const entry = this.entries.get(sku) ?? { state: initialState(), next: 0n };
    this.entries.set(sku, entry);
    try {
      for await (const resolved of es.client.readStream(inventoryStream(sku), { fromRevision: entry.next })) {
        const raw = resolved.event;
        if (!raw) continue;
        const event: InventoryEvent | undefined = parseInventoryEvent(raw.type, raw.data);
        if (event) entry.state = evolve(entry.state, event);
        entry.next = raw.revision + 1n;
      }
    } catch (err) {
      if (errorType(err) !== 'stream-not-found') throw new Error(`reading stream '${inventoryStream(sku)}'`, { cause: err });
    }
    return { state: entry.state, revision: entry.next === 0n ? 'no_stream' : entry.next - 1n };
  }
}
