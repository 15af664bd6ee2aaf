import type { PreparedRecord } from './journal';
import type { RecordedEvent } from './store';

/**
 * Where the store keeps what it indexes by number: event `i` is the i-th event of `$all`.
 * The indexes (streams, `$all`, recent ids) hold numbers; the events themselves are asked
 * for here, so the durable mode can leave them in the log file (file-bodies.ts) while the
 * in-memory mode keeps them in an array.
 */
export interface EventBodies {
  /** A newly written event, `index` one past the last; readable at once (it may not be durable yet). */
  add(index: number, event: RecordedEvent): void;
  /** An event read back from the log at start-up: already durable, not needed in memory. */
  restored(index: number, event: RecordedEvent): void;
  /** Events before `count` are durable; `record` is the one whose write just made them so. */
  durable(count: number, record?: PreparedRecord): void;
  get(index: number): RecordedEvent;
  close(): void;
}

export class MemoryBodies implements EventBodies {
  private readonly events: RecordedEvent[] = [];

  add(_index: number, event: RecordedEvent): void {
    this.events.push(event);
  }

  restored(_index: number, event: RecordedEvent): void {
    this.events.push(event);
  }

  durable(_count: number): void {}

  get(index: number): RecordedEvent {
    return this.events[index]!;
  }

  close(): void {}
}
