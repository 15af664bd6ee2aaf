import { openFileStore } from './file-store';
import { createMemoryStore } from './memory-store';
import type { Store } from './store';

export type StoreLocation = { readonly memory: true } | { readonly dataDir: string };

/** The in-memory store, or the durable log in a data folder (opened, recovered and indexed). */
export async function openStore(location: StoreLocation): Promise<Store> {
  if ('memory' in location) return createMemoryStore();
  return (await openFileStore(location.dataDir)).store;
}
