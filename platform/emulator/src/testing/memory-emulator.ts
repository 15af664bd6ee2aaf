import { EventStoreDBClient } from '@eventstore/db-client';
import { type Emulator, startEmulator } from '../server/start-emulator';

export interface StartedEmulator {
  readonly emulator: Emulator;
  readonly client: EventStoreDBClient;
}

/**
 * One in-memory emulator on a free loopback port and one real client for a whole test file:
 * started in `beforeAll` (handed to `use`), closed in `afterAll`.
 */
export function useMemoryEmulator(use: (started: StartedEmulator) => void): void {
  let started: StartedEmulator | undefined;
  beforeAll(async () => {
    const emulator = await startEmulator({ host: '127.0.0.1', port: 0, memory: true });
    started = { emulator, client: EventStoreDBClient.connectionString(emulator.connectionString) };
    use(started);
  });
  afterAll(async () => {
    await started?.client.dispose();
    await started?.emulator.close();
  });
}
