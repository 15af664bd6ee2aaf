import type { EventStoreDBClient } from '@eventstore/db-client';
import pino from 'pino';
import { startTestEventStore, type TestEventStore } from '../testing/test-event-store';
import { ensureGroup } from './ensure-group';
import { groupSettings } from './group-settings';

let store: TestEventStore;
let client: EventStoreDBClient;
beforeAll(async () => {
  store = await startTestEventStore();
  client = store.client;
});
afterAll(() => store?.close());

const log = pino({ level: 'silent' });

describe('ensureGroup', () => {
  test('replicas starting together all succeed: one creates, the others find it unchanged', async () => {
    const declared = groupSettings({ source: { all: { streamNamePrefixes: ['race-'] } }, settings: { maxRetryCount: 4 } });
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => ensureGroup(client, 'race', declared, log)));
    expect(outcomes.sort()).toEqual(['created', 'unchanged', 'unchanged', 'unchanged']);
    expect((await client.getPersistentSubscriptionToAllInfo('race')).settings.maxRetryCount).toBe(4);
  });

  test('changed settings update the existing group; the same settings leave it alone', async () => {
    const first = groupSettings({ source: { stream: 'orders' }, settings: { maxRetryCount: 4 } });
    expect(await ensureGroup(client, 'changing', first, log)).toBe('created');
    const second = groupSettings({ source: { stream: 'orders' }, settings: { maxRetryCount: 7, consumerStrategy: 'Pinned' } });
    expect(await ensureGroup(client, 'changing', second, log)).toBe('updated');
    const info = await client.getPersistentSubscriptionToStreamInfo('orders', 'changing');
    expect(info.settings).toMatchObject({ maxRetryCount: 7, consumerStrategyName: 'Pinned' });
    expect(await ensureGroup(client, 'changing', second, log)).toBe('unchanged');
  });
});
