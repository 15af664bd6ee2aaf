import { randomUUID } from 'node:crypto';
import {
  type EventStoreDBClient,
  jsonEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  START,
  streamNameFilter,
} from '@eventstore/db-client';
import { useMemoryEmulator } from '../testing/memory-emulator';

let client: EventStoreDBClient;
useMemoryEmulator((started) => ({ client } = started));

const INVALID_ARGUMENT = 3;
const CATASTROPHIC = '^(a+)+$';
const step = (n: number) => jsonEvent({ type: 'Step', data: { n } });

describe('client regexes run in linear time', () => {
  // On a backtracking engine each of these never finishes: `^(a+)+$` against 64 a's and a b is 2^64 steps.
  const tag = randomUUID().slice(0, 8);
  const trap = `${'a'.repeat(64)}b`;
  const wanted = 'a'.repeat(30);

  beforeAll(async () => {
    await client.appendToStream(trap, step(0));
    await client.appendToStream(wanted, step(1));
    await client.appendToStream(`${trap}-${tag}`, step(2));
  });

  test('a catch-up subscription to $all filtered by ^(a+)+$ delivers only what matches, and other calls run beside it', async () => {
    // (@eventstore/db-client 6 sends filters on subscriptions only; reads go through the same filter code.)
    const subscription = client.subscribeToAll({ fromPosition: START, filter: streamNameFilter({ regex: CATASTROPHIC }) });
    const others = Promise.all([client.appendToStream(`other-${tag}`, step(3)), client.getStreamMetadata(trap)]);
    for await (const e of subscription) {
      expect(e.event?.streamId).toBe(wanted);
      break;
    }
    await subscription.unsubscribe();
    await others;
  });

  test('a persistent subscription to $all with the same filter delivers only what matches', async () => {
    const group = `regex-${tag}`;
    await client.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START }), {
      filter: streamNameFilter({ regex: CATASTROPHIC }),
    });
    const subscription = client.subscribeToPersistentSubscriptionToAll(group);
    for await (const e of subscription) {
      expect(e.event?.streamId).toBe(wanted);
      await subscription.ack(e);
      break;
    }
    await subscription.unsubscribe();
    await client.deletePersistentSubscriptionToAll(group);
  });

  test.each([
    ['a lookahead', '^(?=order)'],
    ['a backreference', '(a)\\1'],
  ])('%s, which RE2 cannot run, is INVALID_ARGUMENT on subscriptions and persistent groups', async (_name, regex) => {
    const subscription = client.subscribeToAll({ filter: streamNameFilter({ regex }) });
    await expect(
      (async () => {
        for await (const _ of subscription) break;
      })(),
    ).rejects.toThrow(/cannot be evaluated in linear time/);
    const creating = client.createPersistentSubscriptionToAll(`bad-${randomUUID()}`, persistentSubscriptionToAllSettingsFromDefaults(), {
      filter: streamNameFilter({ regex }),
    });
    await expect(creating).rejects.toMatchObject({ code: INVALID_ARGUMENT });
    await expect(creating).rejects.toThrow(/cannot be evaluated in linear time/);
  });
});
