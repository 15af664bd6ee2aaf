import {
  type EventStoreDBClient,
  jsonEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
} from '@eventstore/db-client';
import type { Emulator } from '../index';
import { useMemoryEmulator } from '../testing/memory-emulator';
import { appendEvents, collect, uniqueStream, until } from './testing/harness';

let emulator: Emulator;
let client: EventStoreDBClient;
useMemoryEmulator((started) => ({ emulator, client } = started));

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

  test('extraStatistics measurements carry the real server keys, in its order, quintiles included', async () => {
    const stream = uniqueStream('measure-keys');
    await client.createPersistentSubscriptionToStream(stream, 'g', fromStart({ extraStatistics: true }));
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g'), (e) => void c.subscription.ack(e));
    await appendEvents(client, stream, 3);
    await until(async () => (await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.totalItems === 3n, 'deliveries');
    await until(async () => (await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.outstandingMessagesCount === 0, 'acks');
    const info = await client.getPersistentSubscriptionToStreamInfo(stream, 'g');
    // The client lower-cases the keys (mapPersistentSubscriptionInfo).
    expect([...(info.connections[0]!.extraStatistics?.keys() ?? [])]).toEqual([
      'mean',
      'median',
      'fastest',
      'quintile 1',
      'quintile 2',
      'quintile 3',
      'quintile 4',
      'quintile 5',
      '90%',
      '95%',
      '99%',
      '99.5%',
      '99.9%',
      'highest',
    ]);
    await c.subscription.unsubscribe();
  });

  test('a $all group keeps the prepare half of its start position, as the real server prints it (C:commit/P:prepare)', async () => {
    const head = (await client.appendToStream(uniqueStream('all-start'), jsonEvent({ type: 'Started', data: {} }))).position!;
    const startFrom = { commit: head.commit, prepare: head.commit - 1n };
    const group = uniqueStream('all-start-group');
    await client.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults({ startFrom }));
    expect((await client.getPersistentSubscriptionToAllInfo(group)).settings.startFrom).toEqual(startFrom);
    await client.deletePersistentSubscriptionToAll(group);
  });
});
