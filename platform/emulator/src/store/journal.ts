import type { RecordedEvent } from './store';

/** One batch ready to write: `start` is the record's offset, `end` the offset after it. */
export interface PreparedRecord {
  readonly events: readonly RecordedEvent[];
  readonly start: number;
  readonly end: number;
  /** The encoded record (the durable log); the in-memory mode encodes nothing. */
  readonly bytes: Buffer | undefined;
}

/**
 * Where appends go to become durable, in two steps: `prepare` encodes a batch and throws,
 * changing nothing, when it cannot be written (that request fails alone); `write` queues it
 * and calls `done` once it is durable, for batches in the order they were written. After an
 * I/O failure every later batch fails too.
 */
export interface Journal {
  prepare(events: readonly RecordedEvent[], start: number, end: number): PreparedRecord;
  write(record: PreparedRecord, done: (error?: Error) => void): void;
  /** Waits for queued batches to become durable, then releases the files. */
  close(): Promise<void>;
}

/** The in-memory mode: nothing to persist, so every batch is durable at once. */
export class MemoryJournal implements Journal {
  prepare(events: readonly RecordedEvent[], start: number, end: number): PreparedRecord {
    return { events, start, end, bytes: undefined };
  }

  write(_record: PreparedRecord, done: (error?: Error) => void): void {
    done();
  }

  async close(): Promise<void> {}
}
