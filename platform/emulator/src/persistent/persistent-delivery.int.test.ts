import {
  type EventStoreDBClient,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
  streamNameFilter,
} from '@eventstore/db-client';
import type { Emulator } from '../index';
import { useMemoryEmulator } from '../testing/memory-emulator';
import { appendEvents, type Collector, collect, revisionOf, uniqueStream, until } from './testing/harness';

let emulator: Emulator;
let client: EventStoreDBClient;
useMemoryEmulator((started) => ({ emulator, client } = started));

const fromStart = (changes = {}) => persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, ...changes });

describe('persistent subscription delivery through the real client', () => {
  test.each([
    ['RoundRobin', [10, 10, 10]],
    ['DispatchToSingle', [10, 10, 5]],
  ] as const)('%s distributes 25 unacknowledged events across 3 consumers with windows of 10 as %j', async (strategy, expected) => {
    const stream = uniqueStream(strategy);
    await client.createPersistentSubscriptionToStream(stream, 'g', fromStart({ consumerStrategyName: strategy }));
    const consumers: Collector[] = [];
    for (let i = 0; i < 3; i++)
      consumers.push(await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 10 })));
    await appendEvents(client, stream, strategy === 'RoundRobin' ? 30 : 25);
    const total = strategy === 'RoundRobin' ? 30 : 25;
    await until(() => consumers.reduce((n, c) => n + c.received.length, 0) === total, 'every event');
    expect(consumers.map((c) => c.received.length)).toEqual(expected);
    for (const c of consumers) await c.subscription.unsubscribe();
  });

  test('Pinned sends all events of one source stream to one consumer', async () => {
    const category = uniqueStream('pinned');
    // The group is on a stream of links, so the source streams differ while the subscribed stream is one.
    const links = `${category}-links`;
    await client.createPersistentSubscriptionToStream(links, 'g', fromStart({ consumerStrategyName: 'Pinned', resolveLinkTos: true }));
    const consumers: Collector[] = [];
    for (let i = 0; i < 3; i++)
      consumers.push(await collect(client.subscribeToPersistentSubscriptionToStream(links, 'g', { bufferSize: 100 })));
    for (let s = 0; s < 12; s++) {
      const stream = `${category}_${s}`;
      await appendEvents(client, stream, 3);
      for (let r = 0; r < 3; r++) {
        await client.appendToStream(links, {
          id: crypto.randomUUID(),
          type: '$>',
          contentType: 'application/octet-stream',
          data: Buffer.from(`${r}@${stream}`),
          metadata: undefined,
        } as never);
      }
    }
    await until(() => consumers.reduce((n, c) => n + c.received.length, 0) === 36, 'every link');
    const owner = new Map<string, number>();
    consumers.forEach((c, i) => {
      for (const e of c.received) {
        const source = e.event!.streamId;
        expect(owner.get(source) ?? i).toBe(i);
        owner.set(source, i);
      }
    });
    expect(new Set(owner.values()).size).toBeGreaterThan(1);
    for (const c of consumers) await c.subscription.unsubscribe();
  });

  test('ack, nack retry (retryCount + 1), park at maxRetryCount, skip; GetInfo counts them; replay re-delivers the parked', async () => {
    const stream = uniqueStream('nack');
    await client.createPersistentSubscriptionToStream(
      stream,
      'g',
      fromStart({ maxRetryCount: 1, checkPointAfter: 100, checkPointLowerBound: 1 }),
    );
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 10 }));
    await appendEvents(client, stream, 3);
    await until(() => c.received.length === 3, 'first deliveries');
    const [a, b, skipped] = c.received;
    await c.subscription.ack(a!);
    await c.subscription.nack('skip', 'not for us', skipped!);
    await c.subscription.nack('retry', 'try again', b!);
    await until(() => c.received.length === 4, 'the retry');
    expect(c.received[3]!.event!.id).toBe(b!.event!.id);
    expect(c.received[3]!.retryCount).toBe(1);
    await c.subscription.nack('retry', 'still failing', c.received[3]!);
    await until(async () => (await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.parkedMessageCount === 1n, 'parking');
    const info = await client.getPersistentSubscriptionToStreamInfo(stream, 'g');
    expect(info.stats.totalInFlightMessages).toBe(0);
    expect(info.stats.outstandingMessagesCount).toBe(0);
    const parked = [];
    for await (const e of client.readStream(`$persistentsubscription-${stream}::g-parked`)) parked.push(e);
    // Read without resolving, the parked stream holds a link to the parked event.
    expect(parked.map((e) => [e.event?.type, Buffer.from(e.event!.data as Uint8Array).toString('utf8')])).toEqual([['$>', `1@${stream}`]]);

    await client.replayParkedMessagesToStream(stream, 'g');
    await until(() => c.received.length === 5, 'the replayed message');
    const replayed = c.received[4]!;
    expect(replayed.event!.id).toBe(b!.event!.id);
    expect(replayed.link?.streamId).toBe(`$persistentsubscription-${stream}::g-parked`);
    await c.subscription.ack(replayed);
    await until(
      async () => (await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.parkedMessageCount === 0n,
      'parked count to fall',
    );
    await c.subscription.unsubscribe();
  });

  test('nack park writes to the parked stream; replay with stopAt re-delivers only those before it', async () => {
    const stream = uniqueStream('park');
    await client.createPersistentSubscriptionToStream(stream, 'g', fromStart());
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 10 }));
    await appendEvents(client, stream, 3);
    await until(() => c.received.length === 3, 'deliveries');
    await c.subscription.nack('park', 'poison', ...c.received);
    await until(async () => (await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.parkedMessageCount === 3n, 'parking');
    await client.replayParkedMessagesToStream(stream, 'g', { stopAt: 2 });
    await until(() => c.received.length === 5, 'two replayed');
    expect(c.received.slice(3).map((e) => e.event!.id)).toEqual(c.received.slice(0, 2).map((e) => e.event!.id));
    await until(
      async () => (await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.parkedMessageCount === 1n,
      'one left parked',
    );
    await c.subscription.unsubscribe();
  });

  test('a message timeout redelivers with retryCount + 1', async () => {
    const stream = uniqueStream('timeout');
    await client.createPersistentSubscriptionToStream(stream, 'g', fromStart({ messageTimeout: 300 }));
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 10 }));
    await appendEvents(client, stream, 1);
    await until(() => c.received.length === 2, 'redelivery after the timeout');
    expect(c.received.map((e) => e.retryCount)).toEqual([0, 1]);
    expect(c.received[1]!.event!.id).toBe(c.received[0]!.event!.id);
    await c.subscription.unsubscribe();
  });

  test('when a consumer disconnects, its in-flight messages go to the remaining consumer', async () => {
    const stream = uniqueStream('disconnect');
    await client.createPersistentSubscriptionToStream(stream, 'g', fromStart({ consumerStrategyName: 'DispatchToSingle' }));
    const first = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 10 }));
    const second = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 10 }));
    await appendEvents(client, stream, 4);
    await until(() => first.received.length === 4, 'the first consumer');
    expect(second.received).toHaveLength(0);
    await first.subscription.unsubscribe();
    await until(() => second.received.length === 4, 'redelivery to the second');
    expect(second.received.map(revisionOf)).toEqual([0n, 1n, 2n, 3n]);
    expect(second.received.every((e) => e.retryCount === 1)).toBe(true);
    await second.subscription.unsubscribe();
  });

  test('$all with a stream-name filter delivers only matching events', async () => {
    const prefix = uniqueStream('filtered');
    const group = uniqueStream('all-group');
    await client.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START }), {
      filter: streamNameFilter({ prefixes: [`${prefix}-in`] }),
    });
    const c = await collect(client.subscribeToPersistentSubscriptionToAll(group, { bufferSize: 50 }), (e) => void c.subscription.ack(e));
    await appendEvents(client, `${prefix}-in-1`, 2);
    await appendEvents(client, `${prefix}-out`, 5);
    await appendEvents(client, `${prefix}-in-2`, 1);
    await until(() => c.received.length === 3, 'the matching events');
    expect(c.received.map((e) => e.event!.streamId)).toEqual([`${prefix}-in-1`, `${prefix}-in-1`, `${prefix}-in-2`]);
    expect(c.received.every((e) => e.commitPosition !== undefined)).toBe(true);
    // $all positions print as C:<commit>/P:<prepare>, which the client parses back.
    const info = await client.getPersistentSubscriptionToAllInfo(group);
    expect(info.stats.lastKnownEventPosition).toEqual({ commit: c.received[2]!.commitPosition, prepare: c.received[2]!.commitPosition });
    expect(info.settings.startFrom).toBe(START);
    await c.subscription.unsubscribe();
    await client.deletePersistentSubscriptionToAll(group);
  });

  test('GetInfo while lagging and once caught up', async () => {
    const stream = uniqueStream('info');
    await appendEvents(client, stream, 50);
    await client.createPersistentSubscriptionToStream(
      stream,
      'g',
      fromStart({ historyBufferSize: 10, readBatchSize: 5, checkPointAfter: 100, checkPointLowerBound: 1, checkPointUpperBound: 1000 }),
    );
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 2 }));
    await until(() => c.received.length === 2, 'a full window');
    const lagging = await client.getPersistentSubscriptionToStreamInfo(stream, 'g');
    expect(lagging.status).toContain('Behind');
    expect(lagging.stats.totalInFlightMessages).toBe(2);
    expect(lagging.stats.outstandingMessagesCount).toBe(2);
    expect(lagging.stats.readBufferCount).toBeGreaterThan(0);
    expect(lagging.stats.lastKnownEventRevision).toBeLessThan(49n);
    expect(lagging.stats.lastCheckpointedEventRevision).toBeUndefined();
    expect(lagging.connections).toHaveLength(1);
    expect(lagging.connections[0]).toMatchObject({ inFlightMessages: 2, availableSlots: 0 });
    expect(lagging.settings).toMatchObject({
      historyBufferSize: 10,
      readBatchSize: 5,
      startFrom: START,
      consumerStrategyName: 'RoundRobin',
    });

    c.subscription.on('data', (e) => void c.subscription.ack(e));
    for (const e of c.received) await c.subscription.ack(e);
    await until(() => c.received.length === 50, 'every event');
    await until(
      async () => (await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.lastCheckpointedEventRevision === 49n,
      'the final checkpoint',
    );
    const caughtUp = await client.getPersistentSubscriptionToStreamInfo(stream, 'g');
    expect(caughtUp.status).toBe('Live');
    expect(caughtUp.stats).toMatchObject({
      readBufferCount: 0,
      retryBufferCount: 0,
      totalInFlightMessages: 0,
      lastKnownEventRevision: 49n,
      totalItems: 50n,
    });
    expect(caughtUp.connections[0]).toMatchObject({ inFlightMessages: 0, availableSlots: 2, totalItems: 50n });
    await c.subscription.unsubscribe();
  });

  test('replayed parked messages go out ahead of newer events', async () => {
    const stream = uniqueStream('ahead');
    await client.createPersistentSubscriptionToStream(stream, 'g', fromStart());
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 1 }));
    await appendEvents(client, stream, 4);
    await until(() => c.received.length === 1, 'the first event');
    await c.subscription.nack('park', 'poison', c.received[0]!);
    await until(() => c.received.length === 2, 'the second event');
    await until(async () => (await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.parkedMessageCount === 1n, 'parking');
    await client.replayParkedMessagesToStream(stream, 'g');
    await until(
      async () => (await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.retryBufferCount === 1,
      'the replay queued',
    );
    await c.subscription.ack(c.received[1]!);
    await until(() => c.received.length === 3, 'the next delivery');
    expect(c.received[2]!.event!.id).toBe(c.received[0]!.event!.id);
    await c.subscription.unsubscribe();
  });

  test('extraStatistics adds processing-time measurements per connection', async () => {
    const stream = uniqueStream('extra');
    await client.createPersistentSubscriptionToStream(stream, 'g', fromStart({ extraStatistics: true }));
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g'), (e) => void c.subscription.ack(e));
    await appendEvents(client, stream, 5);
    await until(async () => (await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.totalItems === 5n, 'deliveries');
    await until(async () => (await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).stats.outstandingMessagesCount === 0, 'acks');
    const info = await client.getPersistentSubscriptionToStreamInfo(stream, 'g');
    expect(info.settings.extraStatistics).toBe(true);
    expect([...(info.connections[0]!.extraStatistics?.keys() ?? [])]).toEqual(expect.arrayContaining(['mean', 'median', '99%', 'highest']));
    await c.subscription.unsubscribe();
  });
});
