import {
  EventStoreDBClient,
  PersistentSubscriptionFailedError,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
} from '@eventstore/db-client';
import { startEmulator } from '../index';
import { uniqueStream } from './testing/harness';

let emulator: Awaited<ReturnType<typeof startEmulator>>;
let client: EventStoreDBClient;

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, memory: true });
  client = EventStoreDBClient.connectionString(emulator.connectionString);
});
afterAll(async () => {
  await client.dispose();
  await emulator.close();
});

const NEGATIVE = 'Cannot stop replaying parked message at a negative version.';

describe('ReplayParked stopAt through the real client', () => {
  test.each([
    ['an existing group', true],
    ['a group that does not exist (the real server checks stopAt first)', false],
  ])('a negative stopAt on %s fails with the real server reason', async (_name, exists) => {
    const stream = uniqueStream('stop-at');
    if (exists)
      await client.createPersistentSubscriptionToStream(
        stream,
        'g',
        persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START }),
      );
    const error = await client.replayParkedMessagesToStream(stream, 'g', { stopAt: -1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistentSubscriptionFailedError);
    expect((error as Error).message).toContain(NEGATIVE);
  });
});
