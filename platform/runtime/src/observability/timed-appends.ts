import { type AppendResult, type EventStoreDBClient, WrongExpectedVersionError } from '@eventstore/db-client';
import type { Histogram } from 'prom-client';

/**
 * Times every append made through `client` into `histogram`, labelled by how it ended (ok, conflict,
 * error): a route's, a handler's (through its store access or the client itself) and the runtime's own
 * (quarantine records). The hop to the store is most of a request's or an event's time, so it gets its own series.
 */
export function timeAppends(client: EventStoreDBClient, histogram: Histogram<'outcome'>): void {
  // appendToStream is overloaded; the wrapper passes its arguments through unchanged.
  const append = client.appendToStream.bind(client) as (...args: unknown[]) => Promise<AppendResult>;
  const timed = async (...args: unknown[]): Promise<AppendResult> => {
    const stop = histogram.startTimer();
    try {
      const result = await append(...args);
      stop({ outcome: 'ok' });
      return result;
    } catch (err) {
      stop({ outcome: err instanceof WrongExpectedVersionError ? 'conflict' : 'error' });
      throw err;
    }
  };
  client.appendToStream = timed as EventStoreDBClient['appendToStream'];
}
