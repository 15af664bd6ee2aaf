import { randomUUID } from 'node:crypto';
import { type Emulator, startEmulator } from '@spillway/emulator';
import { z } from 'zod';
import { defineFunction } from '../contract/define-function';
import { type Harness, startHarness } from '../testing/harness';

const OrderPlaced = z.object({ n: z.number().int() });

let emulator: Emulator;
let harness: Harness | undefined;
beforeAll(async () => {
  // The emulator's system projections (on by default) write `$ce-<category>` as the server does.
  emulator = await startEmulator({ memory: true, port: 0 });
});
afterAll(async () => {
  await harness?.close();
  await emulator.close();
});

test('a function subscribed to a category stream (connected by esdb+discover://) handles the events its links point to, in order', async () => {
  // A category of its own: the part of the stream name before the first '-'.
  const category = `order${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const handled: string[] = [];
  const fn = defineFunction({
    name: 'category-test',
    subscription: {
      source: { stream: `$ce-${category}` },
      group: 'category-test',
      events: { OrderPlaced },
      settings: { consumerStrategy: 'Pinned' },
      async handle(event) {
        handled.push(`${event.streamId}@${event.revision}:${event.data.n}`);
      },
    },
  });
  // The discover form: the client asks the emulator's Gossip for the leader first.
  const discover = emulator.connectionString.replace('esdb://', 'esdb+discover://');
  harness = await startHarness(fn, { connectionString: discover, logLevel: 'silent' });
  await harness.append(`${category}-1`, [{ type: 'OrderPlaced', data: { n: 1 } }]);
  await harness.append(`${category}-2`, [{ type: 'OrderPlaced', data: { n: 2 } }]);
  await harness.append(`${category}-1`, [{ type: 'OrderPlaced', data: { n: 3 } }]);
  await harness.eventually(() => (handled.length === 3 ? true : undefined));
  // The handler sees the original events (stream, revision, typed data), not the `$>` links.
  expect(handled).toEqual([`${category}-1@0:1`, `${category}-2@0:2`, `${category}-1@1:3`]);
  const info = await harness.client.getPersistentSubscriptionToStreamInfo(`$ce-${category}`, 'category-test');
  expect(info.settings.resolveLinkTos).toBe(true);
});
