import { EventStoreDBClient, persistentSubscriptionToStreamSettingsFromDefaults, START } from '@eventstore/db-client';
import { startEmulator } from '../index';
import { appendEvents, collect, uniqueStream, until } from './testing/harness';

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

const fromStart = (changes = {}) => persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, ...changes });

describe('GetInfo fields as the real server fills them, through the real client', () => {
  test('a gRPC connection has an empty `from` and the anonymous user', async () => {
    const stream = uniqueStream('conn-fields');
    await client.createPersistentSubscriptionToStream(stream, 'g', fromStart());
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 3 }));
    await appendEvents(client, stream, 1);
    await until(() => c.received.length === 1, 'the delivery');
    const info = await client.getPersistentSubscriptionToStreamInfo(stream, 'g');
    expect(info.connections).toHaveLength(1);
    expect(info.connections[0]).toMatchObject({
      from: '',
      username: 'anonymous',
      inFlightMessages: 1,
      availableSlots: 2,
      totalItems: 1n,
    });
    await c.subscription.unsubscribe();
  });
});
