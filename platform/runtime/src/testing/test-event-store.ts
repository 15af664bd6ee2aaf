import { EventStoreDBClient } from '@eventstore/db-client';

interface Emulator {
  readonly connectionString: string;
  close(): Promise<void>;
}

// Loaded lazily: a function process must not pull in the emulator's gRPC server just because the runtime exports the test kit.
function startEmbeddedEmulator(): Promise<Emulator> {
  const emulator = require('@spillway/emulator') as { startEmulator?: (options: { memory: true; port: 0 }) => Promise<Emulator> };
  if (!emulator.startEmulator) throw new Error('@spillway/emulator does not provide startEmulator');
  // A free port: other test files run their own emulators at the same time.
  return emulator.startEmulator({ memory: true, port: 0 });
}

/** An event store for an integration test, with a client to arrange and assert through. */
export interface TestEventStore {
  readonly connectionString: string;
  readonly client: EventStoreDBClient;
  /** Disposes the client, then stops the emulator if this fixture started it. */
  close(): Promise<void>;
}

/** A fresh in-memory emulator on a free port, or the event store at `connectionString` when one is given. */
export async function startTestEventStore(connectionString?: string): Promise<TestEventStore> {
  const emulator = connectionString === undefined ? await startEmbeddedEmulator() : undefined;
  const url = connectionString ?? emulator!.connectionString;
  const client = EventStoreDBClient.connectionString(url);
  return {
    connectionString: url,
    client,
    async close() {
      await client.dispose();
      await emulator?.close();
    },
  };
}
