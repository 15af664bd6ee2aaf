import type { RecordedEvent } from './store';

/**
 * Where appends go to become durable. The store hands each append to `write` as one batch,
 * already positioned (`start` is the record's offset, `end` the offset after it); the journal
 * calls `done` once the batch is durable, for batches in the order they were written. After a
 * failure every later batch fails too.
 */
export interface Journal {
  write(events: readonly RecordedEvent[], start: number, end: number, done: (error?: Error) => void): void;
  /** Waits for queued batches to become durable, then releases the files. */
  close(): Promise<void>;
}

/** The in-memory mode: nothing to persist, so every batch is durable at once. */
export class MemoryJournal implements Journal {
  write(_events: readonly RecordedEvent[], _start: number, _end: number, done: (error?: Error) => void): void {
    done();
  }

  async close(): Promise<void> {}
}
