import { openFileStore } from './file-store';
import { createMemoryStore } from './memory-store';
import type { Store } from './store';

export type StoreLocation = { readonly memory: true } | { readonly dataDir: string };

/**
 * The in-memory store, or the durable log in a data folder (opened, recovered and indexed).
 * `warn` hears what recovery dropped (a torn tail); a damaged log rejects with a LogDamagedError.
 */
export async function openStore(location: StoreLocation, options: { readonly warn?: (message: string) => void } = {}): Promise<Store> {
  if ('memory' in location) return createMemoryStore();
  return (await openFileStore(location.dataDir, options)).store;
}
