import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
  StreamNotFoundError,
  streamNameFilter,
} from '@eventstore/db-client';
import { type ChildEmulator, kill, startChild, within } from '../testing/child-emulator';
import { appendEvents, collect, uniqueStream, until } from './testing/harness';

/** Long enough for any answer on a loaded 2-core machine; a server stuck in a loop never answers. */
const ANSWER_MS = 5_000;

/** A pause in which a group feeding on its own checkpoints would write hundreds of them. */
const QUIET_MS = 300;

/** Far above one per message this test settles, far below what a group feeding on its own checkpoints writes. */
const MAX_CHECKPOINTS = 100;

/** How many checkpoints group `g` on `$all` has written: its checkpoint stream's last revision + 1 ($maxCount hides older ones). */
async function checkpointsWritten(client: EventStoreDBClient): Promise<number> {
  let last = -1n;
  try {
    const read = client.readStream('$persistentsubscription-$all::g-checkpoint', { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
    for await (const e of read) last = e.event!.revision;
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return Number(last + 1n);
}

/**
 * Settings at their smallest must not hang or crash the server. The emulator runs in its own
 * process so that a server stuck in a CPU-bound loop fails these tests instead of the runner.
 */
describe('extreme persistent subscription settings keep the emulator serving', () => {
  let emulator: ChildEmulator;
  let client: EventStoreDBClient;

  beforeEach(async () => {
    emulator = await startChild('--mem');
    client = EventStoreDBClient.connectionString(emulator.connectionString);
  });
  afterEach(async () => {
    await kill(emulator.child);
    await within(ANSWER_MS, 'client.dispose()', client.dispose()).catch(() => undefined);
  });

  const smallest = { checkPointLowerBound: 1, checkPointUpperBound: 1, checkPointAfter: 1, messageTimeout: 1, maxRetryCount: 0 };

  test.each([
    ['a $all group with a stream-name prefix filter', true],
    ['a $all group without a filter', false],
  ])('%s and checkpoint bounds of 1 delivers, checkpoints and still answers', async (_name, filtered) => {
    const prefix = uniqueStream('bounds');
    const settings = persistentSubscriptionToAllSettingsFromDefaults({
      startFrom: START,
      checkPointLowerBound: 1,
      checkPointUpperBound: 1,
    });
    await within(
      ANSWER_MS,
      'create',
      client.createPersistentSubscriptionToAll('g', settings, filtered ? { filter: streamNameFilter({ prefixes: [prefix] }) } : {}),
    );
    await within(ANSWER_MS, 'append', appendEvents(client, `${prefix}-a`, 3));
    const consumer = await within(ANSWER_MS, 'subscribe', collect(client.subscribeToPersistentSubscriptionToAll('g')));
    consumer.subscription.on('data', (event) => void consumer.subscription.ack(event));
    await until(() => consumer.received.some((e) => e.event?.streamId === `${prefix}-a` && e.event.revision === 2n), 'the three events');
    await until(
      async () => (await within(ANSWER_MS, 'GetInfo', client.getPersistentSubscriptionToAllInfo('g'))).stats.outstandingMessagesCount === 0,
      'every ack settled',
    );
    await within(ANSWER_MS, 'a later append', appendEvents(client, `${prefix}-b`, 1));
    // Once settled, a group writes no more checkpoints by itself: its own checkpoints must not start new ones.
    // (An unfiltered group also gets the links the system projections write behind the append, so
    // it settles a little later; a group feeding on its own checkpoints never does.)
    let before = 0;
    await until(async () => {
      before = await checkpointsWritten(client);
      await new Promise((r) => setTimeout(r, QUIET_MS));
      return (await checkpointsWritten(client)) - before <= 1;
    }, 'no more checkpoints');
    // At most one checkpoint per settled message (a few dozen here, with the emulator's own events).
    expect(before).toBeLessThan(MAX_CHECKPOINTS);
    await within(ANSWER_MS, 'unsubscribe', consumer.subscription.unsubscribe());
  });

  test('a stream group at the smallest bounds and timeouts parks what is never acked and still answers', async () => {
    const stream = uniqueStream('bounds');
    await within(
      ANSWER_MS,
      'create',
      client.createPersistentSubscriptionToStream(
        stream,
        'g',
        persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, ...smallest }),
      ),
    );
    await within(ANSWER_MS, 'append', appendEvents(client, stream, 5));
    const consumer = await within(ANSWER_MS, 'subscribe', collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g')));
    await until(
      async () =>
        (await within(ANSWER_MS, 'GetInfo', client.getPersistentSubscriptionToStreamInfo(stream, 'g'))).stats.parkedMessageCount === 5n,
      'five parked',
    );
    await within(ANSWER_MS, 'unsubscribe', consumer.subscription.unsubscribe());
  });

  test('a $all group at the smallest bounds and timeouts parks what is never acked and still answers', async () => {
    const prefix = uniqueStream('bounds');
    await within(
      ANSWER_MS,
      'create',
      client.createPersistentSubscriptionToAll('g', persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START, ...smallest }), {
        filter: streamNameFilter({ prefixes: [prefix] }),
      }),
    );
    await within(ANSWER_MS, 'append', appendEvents(client, `${prefix}-a`, 5));
    const consumer = await within(ANSWER_MS, 'subscribe', collect(client.subscribeToPersistentSubscriptionToAll('g')));
    await until(
      async () => (await within(ANSWER_MS, 'GetInfo', client.getPersistentSubscriptionToAllInfo('g'))).stats.parkedMessageCount === 5n,
      'five parked',
    );
    await within(ANSWER_MS, 'unsubscribe', consumer.subscription.unsubscribe());
  });

  test('a readBatchSize of 0 is refused, naming the field, and the emulator still answers', async () => {
    const stream = uniqueStream('bounds');
    const create = client.createPersistentSubscriptionToStream(
      stream,
      'g',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, readBatchSize: 0 }),
    );
    await expect(within(ANSWER_MS, 'create', create)).rejects.toThrow('readBatchSize');
    await within(ANSWER_MS, 'append', appendEvents(client, stream, 1));
  });
});
