import { EventStore } from './event-store';
import { FileJournal } from './file-journal';
import type { Store } from './store';

export interface FileStoreInfo {
  readonly store: Store;
  /** Bytes of a torn tail cut off at start-up. */
  readonly truncated: number;
}

/** Opens the durable log in `dataDir`: recovers it, rebuilds the indexes, then accepts appends. */
export async function openFileStore(dataDir: string, options: { readonly now?: () => number } = {}): Promise<FileStoreInfo> {
  const { journal, events, end, truncated } = await FileJournal.open(dataDir);
  const store = new EventStore({ journal, ...options });
  store.restore(events, end);
  return { store, truncated };
}
