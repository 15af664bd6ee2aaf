import {
  BACKWARDS,
  END,
  type EventStoreDBClient,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  type ResolvedEvent,
  START,
  streamNameFilter,
} from '@eventstore/db-client';
import type { Emulator } from '../index';
import { useMemoryEmulator } from '../testing/memory-emulator';
import { appendEvents, collect, uniqueStream, until } from './testing/harness';

let emulator: Emulator;
let client: EventStoreDBClient;
useMemoryEmulator((started) => ({ emulator, client } = started));

/** What a resolved read shows: the event (the parked original) and the link (in the parked stream). */
const shape = (e: ResolvedEvent) => ({
  event: e.event && { streamId: e.event.streamId, revision: e.event.revision, type: e.event.type },
  link: e.link && { streamId: e.link.streamId, type: e.link.type },
});

async function readAllOf(events: AsyncIterable<ResolvedEvent>): Promise<ResolvedEvent[]> {
  const out: ResolvedEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** Parks every event of a fresh two-event stream through a stream group or a filtered `$all` group. */
async function parkTwo(kind: 'stream' | '$all'): Promise<{ stream: string; parked: string }> {
  const stream = uniqueStream('parked-read');
  await appendEvents(client, stream, 2);
  const group = uniqueStream('g');
  if (kind === 'stream') {
    await client.createPersistentSubscriptionToStream(
      stream,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START }),
    );
  } else {
    await client.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START }), {
      filter: streamNameFilter({ prefixes: [stream] }),
    });
  }
  const subscription =
    kind === 'stream'
      ? client.subscribeToPersistentSubscriptionToStream(stream, group)
      : client.subscribeToPersistentSubscriptionToAll(group);
  const c = await collect(subscription);
  await until(() => c.received.length === 2, 'two deliveries');
  await c.subscription.nack('park', 'poison', ...c.received);
  const parked = `$persistentsubscription-${kind === 'stream' ? stream : '$all'}::${group}-parked`;
  await until(async () => (await readAllOf(client.readStream(parked))).length === 2, 'two parked links');
  await c.subscription.unsubscribe();
  return { stream, parked };
}

describe('reading a parked-message stream with resolveLinkTos, as on the real server', () => {
  test.each(['stream', '$all'] as const)(
    'a %s group: forwards, backwards, from $all and by catch-up subscription, links resolve to the originals',
    async (kind) => {
      const { stream, parked } = await parkTwo(kind);
      const expected = (revision: bigint) => ({
        event: { streamId: stream, revision, type: 'Tested' },
        link: { streamId: parked, type: '$>' },
      });
      const forwards = await readAllOf(client.readStream(parked, { resolveLinkTos: true }));
      expect(forwards.map(shape)).toEqual([expected(0n), expected(1n)]);
      const backwards = await readAllOf(client.readStream(parked, { resolveLinkTos: true, direction: BACKWARDS, fromRevision: END }));
      expect(backwards.map(shape)).toEqual([expected(1n), expected(0n)]);
      const fromAll = (await readAllOf(client.readAll({ resolveLinkTos: true }))).filter((e) => e.link?.streamId === parked);
      expect(fromAll.map(shape)).toEqual([expected(0n), expected(1n)]);
      const subscription = client.subscribeToStream(parked, { resolveLinkTos: true, fromRevision: START });
      const live: ResolvedEvent[] = [];
      for await (const e of subscription) {
        live.push(e);
        if (live.length === 2) break;
      }
      await subscription.unsubscribe();
      expect(live.map(shape)).toEqual([expected(0n), expected(1n)]);
      // Without resolveLinkTos the links come back as they are.
      const raw = await readAllOf(client.readStream(parked));
      expect(raw.map((e) => [e.event?.type, Buffer.from(e.event!.data as Uint8Array).toString('utf8'), e.link])).toEqual([
        ['$>', `0@${stream}`, undefined],
        ['$>', `1@${stream}`, undefined],
      ]);
    },
  );
});
