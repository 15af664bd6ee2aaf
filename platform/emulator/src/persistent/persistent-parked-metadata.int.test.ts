import {
  type EventStoreDBClient,
  persistentSubscriptionToStreamSettingsFromDefaults,
  type ResolvedEvent,
  START,
} from '@eventstore/db-client';
import type { Emulator } from '../index';
import { useMemoryEmulator } from '../testing/memory-emulator';
import { appendEvents, collect, uniqueStream, until } from './testing/harness';

let emulator: Emulator;
let client: EventStoreDBClient;
useMemoryEmulator((started) => ({ emulator, client } = started));

/** .NET's `DateTime.Now` through Newtonsoft's IsoDateFormat: local time, up to 7 trimmed fraction digits, an offset. */
const DOTNET_LOCAL_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?[+-]\d\d:\d\d$/;

async function readParked(stream: string): Promise<ResolvedEvent[]> {
  const out: ResolvedEvent[] = [];
  for await (const e of client.readStream(`$persistentsubscription-${stream}::g-parked`)) out.push(e);
  return out;
}

describe("a parked message's metadata, as the real server's PersistentSubscriptionMessageParker writes it", () => {
  test('the reason text, the added time and subscriptionEventNumber (left out when 0, as Newtonsoft ignores defaults)', async () => {
    const stream = uniqueStream('park-meta');
    await client.createPersistentSubscriptionToStream(
      stream,
      'g',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, maxRetryCount: 0 }),
    );
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 10 }));
    await appendEvents(client, stream, 2);
    await until(() => c.received.length === 2, 'deliveries');
    await c.subscription.nack('park', 'poison', c.received[0]!);
    await c.subscription.nack('retry', 'again', c.received[1]!);
    await until(async () => (await readParked(stream)).length === 2, 'both parked');
    const metadata = (await readParked(stream)).map((e) => e.event!.metadata as Record<string, unknown>);

    expect(Object.keys(metadata[0]!)).toEqual(['added', 'reason']);
    expect(metadata[0]!.reason).toBe("Client explicitly NAK'ed message.\npoison");
    expect(metadata[0]!.added).toMatch(DOTNET_LOCAL_DATE);
    expect(metadata[1]).toMatchObject({ reason: 'Reached retry count of 0', subscriptionEventNumber: 1 });
    expect(metadata[1]!.added).toMatch(DOTNET_LOCAL_DATE);
    await c.subscription.unsubscribe();
  });
});

describe("the metadata of a group's bookkeeping streams, as the real server writes it", () => {
  test('the checkpoint stream keeps 2 and is admin-only; the truncated parked stream is admin-only, metadata too', async () => {
    const stream = uniqueStream('bookkeeping');
    await client.createPersistentSubscriptionToStream(
      stream,
      'g',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, checkPointLowerBound: 1, checkPointUpperBound: 1 }),
    );
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 10 }));
    await appendEvents(client, stream, 2);
    await until(() => c.received.length === 2, 'deliveries');
    await c.subscription.nack('park', 'poison', c.received[0]!);
    await c.subscription.ack(c.received[1]!);
    await until(async () => (await readParked(stream)).length === 1, 'parking');
    await client.replayParkedMessagesToStream(stream, 'g');
    await until(() => c.received.length === 3, 'the replay');
    await c.subscription.ack(c.received[2]!);
    const parkedMeta = async () => (await client.getStreamMetadata(`$persistentsubscription-${stream}::g-parked`)).metadata;
    await until(async () => (await parkedMeta())?.truncateBefore === 1, 'the parked stream truncated');

    const admins = { readRoles: '$admins', writeRoles: '$admins', deleteRoles: '$admins', metaWriteRoles: '$admins' };
    expect(await parkedMeta()).toEqual({ truncateBefore: 1, acl: { ...admins, metaReadRoles: '$admins' } });
    const checkpoint = await client.getStreamMetadata(`$persistentsubscription-${stream}::g-checkpoint`);
    expect(checkpoint.metadata).toEqual({ maxCount: 2, acl: { ...admins, metaReadRoles: '$all' } });
    await c.subscription.unsubscribe();
  });
});
