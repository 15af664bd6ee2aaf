import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient, persistentSubscriptionToStreamSettingsFromDefaults, START, StreamNotFoundError } from '@eventstore/db-client';
import { type ChildEmulator, kill, startChild } from '../testing/child-emulator';
import { appendEvents, collect, uniqueStream, until } from './testing/harness';

/** What a read of the parked stream (links unresolved) holds: `revision@stream` per parked message. */
async function parkedLinks(client: EventStoreDBClient, parked: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of client.readStream(parked)) out.push(Buffer.from(e.event!.data as Uint8Array).toString('utf8'));
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return out;
}

describe('replayed parked messages across an emulator crash (SIGKILL)', () => {
  let dataDir: string;
  const children: ChildEmulator[] = [];
  const clients: EventStoreDBClient[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'spillway-replay-'));
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    for (const e of children) await kill(e.child);
    await rm(dataDir, { recursive: true, force: true });
  });

  test('replayed messages stay parked until acknowledged: a crash mid-replay loses none of them', async () => {
    const stream = uniqueStream('replay');
    const parked = `$persistentsubscription-${stream}::g-parked`;
    const first = await startChild(dataDir);
    children.push(first);
    const client = EventStoreDBClient.connectionString(first.connectionString);
    clients.push(client);
    await client.createPersistentSubscriptionToStream(
      stream,
      'g',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START }),
    );
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 10 }));
    await appendEvents(client, stream, 3);
    await until(() => c.received.length === 3, 'three deliveries');
    await c.subscription.nack('park', 'poison', ...c.received);
    await until(async () => (await parkedLinks(client, parked)).length === 3, 'three parked');

    await client.replayParkedMessagesToStream(stream, 'g');
    await until(() => c.received.length === 6, 'three replayed');
    // Only the first replayed message is acknowledged; the parked stream may be truncated past it alone.
    await c.subscription.ack(c.received[3]!);
    await until(async () => Number((await client.getStreamMetadata(parked)).metadata?.truncateBefore ?? 0) >= 1, 'a truncation');
    await kill(first.child);

    const second = await startChild(dataDir);
    children.push(second);
    const after = EventStoreDBClient.connectionString(second.connectionString);
    clients.push(after);
    expect(await parkedLinks(after, parked)).toEqual([`1@${stream}`, `2@${stream}`]);
    expect((await after.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.parkedMessageCount).toBe(2n);
    const resumed = await collect(after.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 10 }));
    await after.replayParkedMessagesToStream(stream, 'g');
    // The originals may come again too (no checkpoint was due before the crash); the replay is what counts here.
    const replayedAgain = () => resumed.received.filter((e) => e.link?.streamId === parked);
    await until(() => replayedAgain().length === 2, 'the two unacknowledged replayed again');
    expect(replayedAgain().map((e) => e.event!.revision)).toEqual([1n, 2n]);
    await resumed.subscription.unsubscribe();
  });
});
