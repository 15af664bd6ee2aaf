import { randomUUID } from 'node:crypto';
import { createMemoryStore } from '../store/memory-store';
import type { Store } from '../store/store';
import type { Consumer } from './consumer';
import type { OutstandingMessage } from './messages';
import { DEFAULT_SETTINGS, type GroupSettings } from './settings';
import type { ConsumerLink, SubscriptionGroup } from './subscription-group';
import { SubscriptionService } from './subscription-service';
import { lastEvent } from './system-streams';

const TICK_MS = 20;

async function append(store: Store, stream: string, count: number): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    type: 'Tested',
    contentType: 'application/json',
    data: new TextEncoder().encode(JSON.stringify({ i })),
    metadata: new Uint8Array(),
  }));
  const outcome = await store.append(stream, { kind: 'any' }, events);
  expect(outcome.kind).toBe('success');
}

interface TestConsumer {
  readonly received: OutstandingMessage[];
  readonly consumer: Consumer;
  dropped: boolean;
}

function connect(group: SubscriptionGroup, bufferSize = 10): TestConsumer {
  const received: OutstandingMessage[] = [];
  const state = { received, dropped: false } as { received: OutstandingMessage[]; dropped: boolean; consumer: Consumer };
  const link: ConsumerLink = {
    connectionName: 'test',
    from: 'here',
    username: 'anonymous',
    bufferSize,
    deliver: (m) => received.push(m),
    dropped: () => {
      state.dropped = true;
    },
  };
  state.consumer = group.addConsumer(link);
  return state;
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** The parked stream's last `$tb`, if any. */
function lastTruncation(store: Store): number | undefined {
  const last = lastEvent(store, '$$$persistentsubscription-s::g-parked');
  if (last === undefined) return undefined;
  return (JSON.parse(new TextDecoder().decode(last.data)) as { $tb?: number }).$tb;
}

const settings = (changes: Partial<GroupSettings>): GroupSettings => ({ ...DEFAULT_SETTINGS, startFrom: 0n, ...changes });

describe('SubscriptionService over the in-memory store', () => {
  let store: Store;
  let service: SubscriptionService;

  beforeEach(() => {
    store = createMemoryStore();
    service = new SubscriptionService(store, { tickMs: TICK_MS });
  });
  afterEach(async () => {
    await service.close();
    await store.close();
  });

  test('catches up from the start, then receives live events', async () => {
    await append(store, 'orders', 5);
    await service.create('orders', 'g', undefined, settings({}), 'admin');
    const group = service.require('orders', 'g');
    const c = connect(group, 100);
    await until(() => c.received.length === 5, 'history');
    await append(store, 'orders', 3);
    await until(() => c.received.length === 8, 'live events');
    expect(c.received.map((m) => m.resolved.original.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    expect(group.status).toBe('Live');
  });

  test('nack retry redelivers with retryCount + 1 and parks at maxRetryCount; replay brings it back', async () => {
    await append(store, 's', 1);
    await service.create('s', 'g', undefined, settings({ maxRetryCount: 2 }), 'admin');
    const group = service.require('s', 'g');
    const c = connect(group);
    for (let attempt = 0; attempt <= 2; attempt++) {
      await until(() => c.received.length === attempt + 1, `delivery ${attempt}`);
      expect(c.received[attempt]!.retryCount).toBe(attempt);
      group.nack(c.consumer, [c.received[attempt]!.id], 'retry', 'failed');
    }
    await until(() => group.parked.count === 1, 'parking');
    expect(c.received.length).toBe(3);
    group.replayParked(undefined);
    await until(() => c.received.length === 4, 'replay');
    expect(c.received[3]!.resolved.event!.id).toBe(c.received[0]!.id);
    await until(() => group.parked.count === 0, 'parked count to fall');
  });

  test('replay truncates the parked stream only past settled messages; a second replay takes none twice; parked again moves on', async () => {
    await append(store, 's', 3);
    await service.create('s', 'g', undefined, settings({}), 'admin');
    const group = service.require('s', 'g');
    const c = connect(group);
    await until(() => c.received.length === 3, 'deliveries');
    group.nack(
      c.consumer,
      c.received.map((m) => m.id),
      'park',
      'poison',
    );
    await until(() => group.parked.count === 3, 'parking');
    group.replayParked(undefined);
    await until(() => c.received.length === 6, 'replay');
    group.replayParked(undefined);
    const [first, second, third] = c.received.slice(3);
    expect(lastTruncation(store)).toBeUndefined();
    // Settling the second alone cannot truncate: the first is still in flight.
    group.acknowledge(c.consumer, [second!.id]);
    group.acknowledge(c.consumer, [first!.id]);
    await until(() => lastTruncation(store) === 2, 'truncation past the first two');
    group.nack(c.consumer, [third!.id], 'park', 'still poison');
    await until(() => lastTruncation(store) === 3, 'truncation past the third once parked again');
    expect(store.readStream('$persistentsubscription-s::g-parked', 0n, 'forwards', 100n).map((e) => e.revision)).toEqual([3n]);
    expect(c.received.length).toBe(6);
    expect(group.parked.count).toBe(1);
  });

  test('a message timeout counts as a retry', async () => {
    await append(store, 's', 1);
    await service.create('s', 'g', undefined, settings({ messageTimeoutMs: 50 }), 'admin');
    const c = connect(service.require('s', 'g'));
    await until(() => c.received.length === 2, 'redelivery after the timeout');
    expect(c.received.map((m) => m.retryCount)).toEqual([0, 1]);
  });

  test("a removed consumer's in-flight messages go to the remaining one", async () => {
    await append(store, 's', 4);
    await service.create('s', 'g', undefined, settings({ consumerStrategy: 'DispatchToSingle' }), 'admin');
    const group = service.require('s', 'g');
    const first = connect(group, 10);
    await until(() => first.received.length === 4, 'first consumer');
    const second = connect(group, 10);
    group.removeConsumer(first.consumer);
    expect(second.received.map((m) => m.resolved.original.revision)).toEqual([0n, 1n, 2n, 3n]);
  });

  test('checkpoints survive a new service on the same store; delivery resumes after the checkpoint', async () => {
    await append(store, 's', 30);
    await service.create('s', 'g', undefined, settings({ minCheckPointCount: 1, maxCheckPointCount: 5, checkPointAfterMs: 1 }), 'admin');
    const group = service.require('s', 'g');
    const c = connect(group, 100);
    await until(() => c.received.length === 30, 'history');
    group.acknowledge(
      c.consumer,
      c.received.slice(0, 20).map((m) => m.id),
    );
    await until(() => group.lastCheckpointedPosition === 19n, 'checkpoint at 19');
    await service.close();
    service = new SubscriptionService(store, { tickMs: TICK_MS });
    const again = connect(service.require('s', 'g'), 100);
    await until(() => again.received.length === 10, 'redelivery after restart');
    expect(again.received[0]!.resolved.original.revision).toBe(20n);
  });

  test('update drops consumers and keeps the checkpoint; delete removes the group', async () => {
    await service.create('s', 'g', undefined, settings({}), 'admin');
    const c = connect(service.require('s', 'g'));
    await service.update('s', 'g', settings({ maxRetryCount: 3 }), 'admin');
    expect(c.dropped).toBe(true);
    expect(service.require('s', 'g').settings.maxRetryCount).toBe(3);
    await service.delete('s', 'g', 'admin');
    expect(service.get('s', 'g')).toBeUndefined();
  });

  test('a start revision is inclusive (unlike a catch-up subscription)', async () => {
    await append(store, 's', 6);
    await service.create('s', 'g', undefined, settings({ startFrom: 3n }), 'admin');
    const c = connect(service.require('s', 'g'));
    await until(() => c.received.length === 3, 'events from revision 3');
    expect(c.received.map((m) => m.resolved.original.revision)).toEqual([3n, 4n, 5n]);
  });

  test('a group created again after delete starts afresh: no old checkpoint, no parked messages', async () => {
    await append(store, 's', 20);
    const bounds = settings({ minCheckPointCount: 1, maxCheckPointCount: 1, checkPointAfterMs: 1 });
    await service.create('s', 'g', undefined, bounds, 'admin');
    const group = service.require('s', 'g');
    const c = connect(group, 100);
    await until(() => c.received.length === 20, 'history');
    group.nack(c.consumer, [c.received[19]!.id], 'park', 'poison');
    group.acknowledge(
      c.consumer,
      c.received.slice(0, 19).map((m) => m.id),
    );
    await until(() => group.parked.count === 1 && group.lastCheckpointedPosition === 19n, 'parking and checkpoint');
    await service.delete('s', 'g', 'admin');
    await service.create('s', 'g', undefined, bounds, 'admin');
    const fresh = service.require('s', 'g');
    expect(fresh.parked.count).toBe(0);
    expect(fresh.lastCheckpointedPosition).toBeUndefined();
    const again = connect(fresh, 100);
    await until(() => again.received.length === 20, 'the whole stream again');
  });

  test('live appends during a catch-up with small buffers: every event once, in order', async () => {
    await append(store, 's', 1000);
    await service.create('s', 'g', undefined, settings({ historyBufferSize: 50, readBatchSize: 10, liveBufferSize: 10 }), 'admin');
    const group = service.require('s', 'g');
    const received: bigint[] = [];
    const link: ConsumerLink = {
      connectionName: 'test',
      from: 'here',
      username: 'anonymous',
      bufferSize: 20,
      deliver: (m) => {
        received.push(m.resolved.original.revision);
        // Acknowledge on a later turn, as a consumer across the network would.
        setImmediate(() => group.acknowledge(consumer, [m.id]));
      },
      dropped: () => undefined,
    };
    const consumer = group.addConsumer(link);
    for (let i = 0; i < 50; i++) await append(store, 's', 10);
    await until(() => received.length >= 1500, 'every event');
    expect(received).toEqual(Array.from({ length: 1500 }, (_, i) => BigInt(i)));
  });

  test('a filtered $all group checkpoints C:x/P:x positions, resumes after them, and keeps its filter through an update', async () => {
    const filter = { context: 'StreamId', type: 'Prefix', data: ['in-'] } as const;
    await append(store, 'in-1', 10);
    await append(store, 'out-1', 5);
    await service.create('$all', 'g', filter, settings({ minCheckPointCount: 1, maxCheckPointCount: 5, checkPointAfterMs: 1 }), 'admin');
    const group = service.require('$all', 'g');
    const c = connect(group, 100);
    await until(() => c.received.length === 10, 'the matching events');
    expect(new Set(c.received.map((m) => m.resolved.original.streamId))).toEqual(new Set(['in-1']));
    group.acknowledge(
      c.consumer,
      c.received.slice(0, 6).map((m) => m.id),
    );
    const sixth = c.received[5]!.resolved.original.position;
    await until(() => group.lastCheckpointedPosition === sixth, 'a checkpoint at the sixth event');
    await service.close();
    service = new SubscriptionService(store, { tickMs: TICK_MS });
    await service.update('$all', 'g', settings({ maxRetryCount: 2 }), 'admin');
    const resumed = service.require('$all', 'g');
    expect(resumed.source.filter).toEqual(filter);
    const again = connect(resumed, 100);
    await append(store, 'out-2', 3);
    await append(store, 'in-2', 1);
    await until(() => again.received.length === 5, 'the unacknowledged four and the new one');
    expect(again.received.map((m) => m.resolved.original.position)).toEqual([
      ...c.received.slice(6).map((m) => m.resolved.original.position),
      again.received[4]!.resolved.original.position,
    ]);
    expect(again.received[4]!.resolved.original.streamId).toBe('in-2');
  });

  test('a filtered live $all group given one commit of several streams: the matching records in order, a checkpoint past the filtered-out ones before them', async () => {
    const filter = { context: 'StreamId', type: 'Prefix', data: ['in-'] } as const;
    await service.create('$all', 'g', filter, settings({ minCheckPointCount: 1, maxCheckPointCount: 1, checkPointAfterMs: 1 }), 'admin');
    const group = service.require('$all', 'g');
    const c = connect(group, 100);
    await until(() => group.status === 'Live', 'the group to go live');
    const proposed = (n: number) =>
      Array.from({ length: n }, () => ({
        id: randomUUID(),
        type: 'Tested',
        contentType: 'application/json',
        data: new Uint8Array(),
        metadata: new Uint8Array(),
      }));
    await store.appendEmitted(
      new Map([
        ['out-a', proposed(2)],
        ['in-a', proposed(2)],
        ['out-b', proposed(3)],
      ]),
    );
    const all = store.readAll(0n, 'forwards', 1000n);
    const positionsOf = (stream: string) => all.filter((e) => e.streamId === stream).map((e) => e.position);
    expect(c.received.map((m) => m.resolved.original.position)).toEqual(positionsOf('in-a'));
    // Nothing was pending when the commit came: the group checkpointed past the records before the first match.
    expect(group.lastCheckpointedPosition).toBe(positionsOf('out-a')[1]);
    group.acknowledge(
      c.consumer,
      c.received.map((m) => m.id),
    );
    expect(group.lastCheckpointedPosition).toBe(positionsOf('in-a')[1]);
  });

  test("an unfiltered $all group never receives $all groups' own checkpoints", async () => {
    await service.create('$all', 'g', undefined, settings({ minCheckPointCount: 1, maxCheckPointCount: 1, checkPointAfterMs: 1 }), 'admin');
    const group = service.require('$all', 'g');
    const received: string[] = [];
    const link: ConsumerLink = {
      connectionName: 'test',
      from: 'here',
      username: 'anonymous',
      bufferSize: 100,
      deliver: (m) => {
        received.push(m.resolved.original.streamId);
        setImmediate(() => group.acknowledge(consumer, [m.id]));
      },
      dropped: () => undefined,
    };
    const consumer = group.addConsumer(link);
    await append(store, 'user-stream', 5);
    await until(() => group.lastCheckpointedPosition !== undefined && received.includes('user-stream'), 'a checkpoint');
    await append(store, 'user-stream', 1);
    await until(() => received.filter((s) => s === 'user-stream').length === 6, 'the last user event');
    expect(received.filter((s) => s.startsWith('$persistentsubscription-$all::'))).toEqual([]);
    // System events other than those are delivered, as on the real server: here, the group's configuration.
    expect(received).toContain('$persistentSubscriptionConfig');
  });
});
