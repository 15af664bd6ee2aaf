import { once } from 'node:events';
import {
  EventStoreDBClient,
  jsonEvent,
  PARK,
  type PersistentSubscriptionToStream,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
  streamNameFilter,
} from '@eventstore/db-client';
import { type Emulator, startEmulator } from '@spillway/emulator';
import { eventually } from '../test-kit/capture-log';
import { AllLagSource } from './all-lag-source';
import { eventStoreLagSources } from './eventstore-lag-sources';

// Checkpoint on every ack, so the figures are exact right after acknowledging.
const eager = { checkPointLowerBound: 1, checkPointUpperBound: 1, checkPointAfter: 100 };

describe('lag sources against the emulator (real client, real gRPC)', () => {
  let emulator: Emulator;
  let client: EventStoreDBClient;
  let subscriptions: PersistentSubscriptionToStream[];
  let n = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now()}-${n++}`;

  beforeAll(async () => {
    emulator = await startEmulator({ memory: true, port: 0 });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
  });
  beforeEach(() => {
    subscriptions = [];
  });
  afterEach(async () => {
    await Promise.all(subscriptions.map((s) => s.unsubscribe().catch(() => undefined)));
  });
  afterAll(async () => {
    await client.dispose();
    await emulator.close();
  });

  const append = (stream: string, count: number, type = 'Tested') =>
    client.appendToStream(
      stream,
      Array.from({ length: count }, (_, i) => jsonEvent({ type, data: { i } })),
    );

  /** Subscribes and hands each delivered event to `handle` (ack, park, or leave in flight). */
  async function consume(stream: string, group: string, handle: (s: PersistentSubscriptionToStream, e: unknown) => Promise<void> | void) {
    const subscription = client.subscribeToPersistentSubscriptionToStream(stream, group, { bufferSize: 50 });
    subscriptions.push(subscription);
    subscription.on('data', (event) => void handle(subscription, event));
    await once(subscription, 'confirmation');
    return subscription;
  }

  test('stream: a group that does not exist yet has every event of the stream as lag', async () => {
    const stream = unique('orders');
    await append(stream, 7);
    const source = eventStoreLagSources(client)({ subscription: { kind: 'stream', stream, group: 'never-started' } });
    expect(await source.getLag()).toMatchObject({ lag: 7, groupExists: false, caughtUp: false });
    const fromEnd = eventStoreLagSources(client, { startFrom: 'end' })({
      subscription: { kind: 'stream', stream, group: 'never-started' },
    });
    expect((await fromEnd.getLag()).lag).toBe(0);
  });

  test('stream: head minus checkpoint, in-flight counted once, parked kept out', async () => {
    const stream = unique('orders');
    const group = 'projector';
    await client.createPersistentSubscriptionToStream(
      stream,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, maxSubscriberCount: 3, ...eager }),
    );
    await append(stream, 10);
    const source = eventStoreLagSources(client)({ subscription: { kind: 'stream', stream, group } });
    const before = await source.getLag();
    expect(before).toMatchObject({ lag: 10, groupExists: true, maxSubscriberCount: 3, parked: 0 });

    // Ack the first 4, park the 5th, keep the rest in flight.
    let seen = 0;
    await consume(stream, group, async (subscription, event) => {
      seen++;
      if (seen <= 4) await subscription.ack(event as never);
      else if (seen === 5) await subscription.nack(PARK, 'poison', event as never);
    });
    const during = await eventually(
      async () => {
        const m = await source.getLag();
        return m.parked === 1 && m.inFlight === 5 ? m : undefined;
      },
      10_000,
      'ack, park and in-flight to show in GetInfo',
    );
    // Checkpoint after revision 4 (events 0-3 acked, 4 parked): revisions 5..9 remain, all in flight.
    expect(during.lag).toBe(5);
    expect(during.consumers).toBe(1);
    expect(during.processedTotal).toBeGreaterThanOrEqual(5);
    expect(during.caughtUp).toBe(false);
  });

  test('stream: caught up once everything is acknowledged and checkpointed', async () => {
    const stream = unique('orders');
    const group = 'g';
    await client.createPersistentSubscriptionToStream(
      stream,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, ...eager }),
    );
    await append(stream, 3);
    await consume(stream, group, (subscription, event) => subscription.ack(event as never));
    const source = eventStoreLagSources(client)({ subscription: { kind: 'stream', stream, group } });
    const done = await eventually(
      async () => {
        const m = await source.getLag();
        return m.caughtUp ? m : undefined;
      },
      10_000,
      'the checkpoint to reach the head',
    );
    expect(done).toMatchObject({ lag: 0, inFlight: 0, retryBuffer: 0 });
  });

  test('stream: events processed but not checkpointed yet (lazy checkpoints) are not lag, and not caught up', async () => {
    const stream = unique('orders');
    const group = 'lazy';
    // A checkpoint needs 10 acks (the default) or a minute: 3 acked events stay behind the checkpoint.
    await client.createPersistentSubscriptionToStream(
      stream,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, checkPointAfter: 60_000 }),
    );
    await append(stream, 3);
    await consume(stream, group, (subscription, event) => subscription.ack(event as never));
    const source = eventStoreLagSources(client)({ subscription: { kind: 'stream', stream, group } });
    const settled = await eventually(
      async () => {
        const m = await source.getLag();
        return m.lag === 0 && m.inFlight === 0 ? m : undefined;
      },
      10_000,
      'the acks to settle',
    );
    expect(settled.caughtUp).toBe(false);
  });

  test('$all: processed events after a lazy checkpoint are not lag either', async () => {
    const prefix = unique('lazyall');
    const group = unique('g');
    await client.createPersistentSubscriptionToAll(
      group,
      persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START, checkPointAfter: 60_000 }),
      {
        filter: streamNameFilter({ prefixes: [prefix] }),
      },
    );
    await append(`${prefix}-1`, 4);
    const all = client.subscribeToPersistentSubscriptionToAll(group);
    subscriptions.push(all as unknown as PersistentSubscriptionToStream);
    all.on('data', (event) => void all.ack(event));
    await once(all, 'confirmation');
    const source = eventStoreLagSources(client)({ subscription: { kind: 'all', group }, filter: { streamNamePrefixes: [prefix] } });
    const settled = await eventually(
      async () => {
        const m = await source.getLag();
        return m.lag === 0 && m.inFlight === 0 ? m : undefined;
      },
      10_000,
      'the $all acks to settle',
    );
    // Filtered-out events also advance an $all group's checkpoint, so whether it caught up here depends on the other tests' events.
    expect(settled.processedTotal).toBeGreaterThanOrEqual(4);
  });

  test('$all: counts only events matching the filter after the checkpoint; a missing group counts from the start', async () => {
    const prefix = unique('shop');
    await append(`${prefix}-order-1`, 3);
    await append(`${prefix}-inventory-1`, 4);
    await append(`${prefix}-order-2`, 2);
    const group = unique('reservation');
    const filter = { streamNamePrefixes: [`${prefix}-order-`] };
    const missing = eventStoreLagSources(client)({ subscription: { kind: 'all', group }, filter });
    expect(await missing.getLag()).toMatchObject({ lag: 5, groupExists: false, capped: false });

    // Default checkpoint bounds: with checkpoints on every ack the emulator's $all group recursed on its own checkpoint events (reported).
    await client.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START }), {
      filter: streamNameFilter({ prefixes: [`${prefix}-order-`] }),
    });
    const existing = await missing.getLag();
    expect(existing).toMatchObject({ lag: 5, groupExists: true });
  });

  test('$all: the count stops at its cap and says so', async () => {
    const prefix = unique('bulk');
    await append(`${prefix}-a`, 30);
    const capped = new AllLagSource(client, unique('g'), { streamNamePrefixes: [prefix] }, 'start', 10);
    const m = await capped.getLag();
    expect(m.capped).toBe(true);
    expect(m.lag).toBeLessThanOrEqual(10);
    // Each reading carries on where the previous one stopped, so the figure becomes exact within a few readings.
    let readings = 1;
    let last = m;
    while (last.capped && readings < 100) {
      last = await capped.getLag();
      readings++;
    }
    expect(last).toMatchObject({ lag: 30, capped: false });
    expect(readings).toBeGreaterThanOrEqual(3);
  });

  test('$all: a reading after the checkpoint moved counts what is left and what was appended since', async () => {
    const prefix = unique('moving');
    const group = unique('g');
    await client.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START, ...eager }), {
      filter: streamNameFilter({ prefixes: [prefix] }),
    });
    await append(`${prefix}-a`, 6);
    const source = new AllLagSource(client, group, { streamNamePrefixes: [prefix] });
    expect(await source.getLag()).toMatchObject({ lag: 6, capped: false });
    // Process four of them: the checkpoint moves past the fourth.
    const subscription = client.subscribeToPersistentSubscriptionToAll(group, { bufferSize: 1 });
    let acked = 0;
    for await (const event of subscription) {
      await subscription.ack(event);
      if (++acked === 4) break;
    }
    await subscription.unsubscribe();
    await append(`${prefix}-b`, 3);
    let m = await source.getLag();
    for (let i = 0; i < 200 && m.lag !== 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      m = await source.getLag();
    }
    // Two left of the first six, three new.
    expect(m).toMatchObject({ lag: 5, capped: false });
  });

  test('a GetInfo failure is reported with the subscription it was for', async () => {
    const broken = EventStoreDBClient.connectionString('esdb://127.0.0.1:1?tls=false&defaultDeadline=500&maxDiscoverAttempts=1');
    try {
      const source = eventStoreLagSources(broken)({ subscription: { kind: 'stream', stream: 's', group: 'g' } });
      await expect(source.getLag()).rejects.toThrow('reading GetInfo of s::g');
    } finally {
      await broken.dispose();
    }
  });
  test('a read-model family: rebuild groups <group>-v<N> are measured with the declared group, which may be gone', async () => {
    const stream = unique('family');
    await append(stream, 10);
    const declared = eventStoreLagSources(client)({ subscription: { kind: 'stream', stream, group: 'projector' } });
    // Only the declared group, not created yet: everything from the start waits.
    expect(await declared.getLag()).toMatchObject({ lag: 10, groupExists: false });
    // A later version replaced it: its group starts after the ten events here, so only what comes next is lag.
    await client.createPersistentSubscriptionToStream(
      stream,
      'projector-v1b',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: BigInt(10), ...eager }),
    );
    await append(stream, 3);
    expect(await declared.getLag()).toMatchObject({ lag: 3, groupExists: true });
    // Beside a live declared group, the build's backlog adds to it.
    await client.createPersistentSubscriptionToStream(
      stream,
      'projector',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, ...eager }),
    );
    expect((await declared.getLag()).lag).toBe(16);
    // A group merely named like it is not family.
    await client.createPersistentSubscriptionToStream(
      stream,
      'projector-views',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, ...eager }),
    );
    expect((await declared.getLag()).lag).toBe(16);
  });
});
