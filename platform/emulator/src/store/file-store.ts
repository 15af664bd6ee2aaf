import * as path from 'node:path';
import { EventStore } from './event-store';
import { FileBodies } from './file-bodies';
import { FileJournal, LOG_FILE } from './file-journal';
import type { Store } from './store';

export interface FileStoreInfo {
  readonly store: Store;
  /** Bytes of a torn tail cut off at start-up (saved beside the log). */
  readonly truncated: number;
}

export interface FileStoreOptions {
  readonly now?: () => number;
  /** Told what start-up dropped or started anew (a torn tail); nothing is dropped silently. */
  readonly warn?: (message: string) => void;
  /** Bytes of the log the read cache keeps, in 64 KiB blocks (file-bodies.ts CACHE_BYTES by default). */
  readonly cacheBytes?: number;
  /** Durable events kept decoded in memory, the newest (file-bodies.ts RECENT_EVENTS by default); 0 reads every durable event from the log. */
  readonly recentEvents?: number;
}

/**
 * Opens the durable log in `dataDir`: reads it back record by record into the indexes (the
 * events stay in the file, read back through a bounded cache), then accepts appends. A
 * damaged log (anything but a torn tail) rejects with a LogDamagedError and is left as it is.
 */
export async function openFileStore(dataDir: string, options: FileStoreOptions = {}): Promise<FileStoreInfo> {
  const file = path.join(dataDir, LOG_FILE);
  const store = new EventStore({
    ...(options.now ? { now: options.now } : {}),
    bodies: (positionOf) => new FileBodies(file, positionOf, options.cacheBytes, options.recentEvents),
  });
  let opened: Awaited<ReturnType<typeof FileJournal.open>>;
  try {
    opened = await FileJournal.open(dataDir, {
      onRecord: (events, end) => store.restore(events, end),
      ...(options.warn ? { warn: options.warn } : {}),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  store.attach(opened.journal);
  return { store, truncated: opened.truncated };
}
