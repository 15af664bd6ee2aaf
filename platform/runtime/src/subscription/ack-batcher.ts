/** Anything that acknowledges several events in one message, as a persistent subscription does. */
export interface Acknowledger<E> {
  ack(...events: E[]): Promise<void>;
}

interface Batch<E> {
  readonly events: E[];
  readonly waiters: { resolve(): void; reject(err: unknown): void }[];
}

/**
 * Collects the acks of one event-loop turn and sends them as one message per subscription: with
 * many events in flight, one gRPC write per turn instead of one per event.
 */
export class AckBatcher<E> {
  private batches = new Map<Acknowledger<E>, Batch<E>>();
  private scheduled = false;

  ack(target: Acknowledger<E>, event: E): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let batch = this.batches.get(target);
      if (!batch) {
        batch = { events: [], waiters: [] };
        this.batches.set(target, batch);
      }
      batch.events.push(event);
      batch.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batches = this.batches;
    this.batches = new Map();
    this.scheduled = false;
    for (const [target, batch] of batches) {
      target.ack(...batch.events).then(
        () => {
          for (const waiter of batch.waiters) waiter.resolve();
        },
        (err: unknown) => {
          for (const waiter of batch.waiters) waiter.reject(err);
        },
      );
    }
  }
}
