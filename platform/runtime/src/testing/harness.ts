import { type EventStoreDBClient, jsonEvent, StreamNotFoundError } from '@eventstore/db-client';
import type { EventSchemas, FunctionDefinition } from '../contract/define-function';
import { sleep, within } from '../event-store/backoff';
import { type RunningFunction, type StartOptions, startFunction } from '../process/start-function';
import { startTestEventStore } from './test-event-store';

export interface HarnessEvent {
  readonly type: string;
  readonly data: unknown;
  readonly id?: string;
  readonly metadata?: Record<string, unknown>;
}

export interface HarnessOptions extends StartOptions {
  /** Use this EventStoreDB (or emulator) instead of starting an in-memory emulator. */
  readonly connectionString?: string;
}

/** A function running in-process against an emulator, for integration tests. */
export interface Harness {
  readonly function: RunningFunction;
  /** Base URL of the function's HTTP server. */
  readonly url: string;
  readonly connectionString: string;
  /** A client of the same event store, for arranging and asserting. */
  readonly client: EventStoreDBClient;
  /** Appends events to a stream (any expected revision). */
  append(streamId: string, events: readonly HarnessEvent[]): Promise<void>;
  /** Reads a whole stream (empty when it does not exist). */
  read(streamId: string): Promise<{ type: string; data: unknown; id: string; metadata: unknown }[]>;
  /** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
  eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

// Generous: a loaded CI machine shared with other test processes can be slow to deliver.
const DEFAULT_EVENTUALLY_MS = 10_000;
const POLL_MS = 25;
// Creating a group and subscribing takes milliseconds; this only bounds a test whose event store is not there.
const READY_TIMEOUT_MS = 15_000;

/**
 * Starts `definition` with the real runtime on a free port, against a fresh in-memory emulator on
 * a free port (or the given event store), and waits until it is ready.
 */
export async function startHarness<E extends EventSchemas, D>(
  definition: FunctionDefinition<E, D>,
  options: HarnessOptions = {},
): Promise<Harness> {
  const { connectionString: given, ...startOptions } = options;
  const store = await startTestEventStore(given);
  const { connectionString, client } = store;
  let running: RunningFunction;
  try {
    running = await startFunction(definition, {
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
      ...startOptions,
      esdbConnectionString: connectionString,
    });
    if (!(await within(running.ready, READY_TIMEOUT_MS))) {
      await running.close();
      throw new Error(
        `function '${definition.name}' was not ready within ${READY_TIMEOUT_MS} ms: ${(await running.notReadyReasons()).join(', ')}`,
      );
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    function: running,
    url: running.url,
    connectionString,
    client,
    async append(streamId, events) {
      await client.appendToStream(
        streamId,
        events.map((event) =>
          // biome-ignore lint/suspicious/noExplicitAny: tests append whatever JSON they need, invalid payloads included.
          jsonEvent({ type: event.type, data: event.data as any, ...(event.id ? { id: event.id } : {}), metadata: event.metadata }),
        ),
      );
    },
    async read(streamId) {
      const events: { type: string; data: unknown; id: string; metadata: unknown }[] = [];
      try {
        for await (const { event } of client.readStream(streamId)) {
          if (event) events.push({ type: event.type, data: event.data, id: event.id, metadata: event.metadata });
        }
      } catch (err) {
        if (!(err instanceof StreamNotFoundError)) throw err;
      }
      return events;
    },
    async eventually(probe, timeoutMs = DEFAULT_EVENTUALLY_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await sleep(POLL_MS);
      }
    },
    async close() {
      await running.close();
      await store.close();
    },
  };
}
