import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
  StreamNotFoundError,
} from '@eventstore/db-client';
import { kill, startChild } from '../testing/child-emulator';
import { appendEvents, collect, revisionOf, uniqueStream, until } from './testing/harness';

describe('persistent subscriptions across an emulator crash (SIGKILL)', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  const clients: EventStoreDBClient[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'spillway-persistent-'));
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    for (const child of children) await kill(child);
    await rm(dataDir, { recursive: true, force: true });
  });

  test('configuration and checkpoint survive; delivery resumes after the checkpoint with nothing lost', async () => {
    const stream = uniqueStream('crash');
    const first = await startChild(dataDir);
    children.push(first.child);
    const client = EventStoreDBClient.connectionString(first.connectionString);
    clients.push(client);
    await appendEvents(client, stream, 100);
    const settings = persistentSubscriptionToStreamSettingsFromDefaults({
      startFrom: START,
      checkPointAfter: 100,
      checkPointLowerBound: 1,
      checkPointUpperBound: 10,
    });
    await client.createPersistentSubscriptionToStream(stream, 'g', settings);
    const acked = new Set<bigint>();
    const before = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 100 }), (event) => {
      if (revisionOf(event) < 60n) {
        acked.add(revisionOf(event));
        void before.subscription.ack(event);
      }
    });
    await until(() => before.received.length === 100 && acked.size === 60, 'the first 60 acknowledged');
    // The checkpoint is written lazily; wait until the store holds the one before the first unacknowledged event.
    const checkpointStream = `$persistentsubscription-${stream}::g-checkpoint`;
    await until(async () => {
      // Iterate to the end: leaving a client read early makes the client's dispose() wait forever.
      let last: unknown;
      try {
        for await (const e of client.readStream(checkpointStream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }))
          last = e.event?.data;
      } catch (error) {
        if (!(error instanceof StreamNotFoundError)) throw error;
      }
      return last === '59';
    }, 'checkpoint 59 in the store');
    await appendEvents(client, stream, 20);
    await before.subscription.unsubscribe();
    await client.dispose();
    clients.splice(clients.indexOf(client), 1);
    await kill(first.child);

    const second = await startChild(dataDir);
    children.push(second.child);
    const after = EventStoreDBClient.connectionString(second.connectionString);
    clients.push(after);
    const info = await after.getPersistentSubscriptionToStreamInfo(stream, 'g');
    expect(info.settings).toEqual(settings);
    expect(info.stats.lastCheckpointedEventRevision).toBe(59n);
    const resumed = await collect(after.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 200 }));
    await until(() => resumed.received.length === 60, 'events 60 to 119');
    const revisions = resumed.received.map(revisionOf);
    expect(revisions.every((r) => r >= 60n)).toBe(true);
    const delivered = new Set([...acked, ...revisions]);
    expect([...delivered].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 120 }, (_, i) => BigInt(i)));
    await resumed.subscription.unsubscribe();
  });
});
