import { EventStore } from './event-store';
import { FileJournal } from './file-journal';
import type { RecordedEvent, Store } from './store';

export interface FileStoreInfo {
  readonly store: Store;
  /** Bytes of a torn tail cut off at start-up (saved beside the log). */
  readonly truncated: number;
}

export interface FileStoreOptions {
  readonly now?: () => number;
  /** Told what start-up dropped or started anew (a torn tail); nothing is dropped silently. */
  readonly warn?: (message: string) => void;
}

/**
 * Opens the durable log in `dataDir`: recovers it, rebuilds the indexes, then accepts appends.
 * A damaged log (anything but a torn tail) rejects with a LogDamagedError and is left as it is.
 */
export async function openFileStore(dataDir: string, options: FileStoreOptions = {}): Promise<FileStoreInfo> {
  const events: RecordedEvent[] = [];
  const { journal, end, truncated } = await FileJournal.open(dataDir, {
    onRecord: (record) => {
      for (const event of record) events.push(event);
    },
    ...(options.warn ? { warn: options.warn } : {}),
  });
  const store = new EventStore({ journal, ...(options.now ? { now: options.now } : {}) });
  store.restore(events, end);
  return { store, truncated };
}
