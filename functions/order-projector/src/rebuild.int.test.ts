import { PermanentError, type RunningFunction, startTestEventStore, type TestEventStore } from '@spillway/runtime';
import orderProjector from './index';
import { seedOrders } from './testing/order-log';
import {
  allOrders,
  eventually,
  final,
  groupExists,
  post,
  readKnownOrders,
  schemas,
  startProjector,
  status,
  trickleOrders,
} from './testing/rebuild-probes';
import { type ScratchDatabase, scratchDatabase } from './testing/scratch-database';

// The 10,000 orders (20,000 events) on both databases. On PostgreSQL the test took 131 s on the
// shared 2-core box at load average 8-9 (seeding 8 s, v1 filling 29 s, the rebuild 22 s, the rest reading
// every order twice through HTTP while a reader and a writer run). PGlite runs SQL on the event loop that
// also runs this test's emulator, the function and its readers: 129 s at load average 3-5 (v1 filling
// 52 s, the rebuild 45 s), 271 s at load 7-11 (v1 filling 144 s). `npm run bench:rebuild` replays
// 100,000 events on both.
const ORDERS = { postgres: 10_000, pglite: 10_000 } as const;
// The requests' side cases (verify, abort, parked events) run the same code on a small log, on PostgreSQL only.
const SIDE_ORDERS = 250;
// The first version fills from the seeded log before the rebuild starts: it takes the log in build-sized
// batches (the rebuild itself always does), or 20,000 events at live batches would take most of a minute.
const FILL_CONCURRENCY = 200;
// Builds of tens of thousands of events on a shared CI machine: generous (a deadline against a hang,
// not a speed target), the test polls and goes on as soon as each step is done.
const BUILD_MS = 300_000;

jest.setTimeout(900_000);

interface Replica {
  readonly scratch: ScratchDatabase;
  readonly store: TestEventStore;
  running?: RunningFunction;
}

async function start(replica: Replica, definition = orderProjector, concurrency?: number): Promise<RunningFunction> {
  replica.running = await startProjector(replica.scratch, replica.store, definition, concurrency);
  return replica.running;
}

describe.each(['postgres', 'pglite'] as const)('a rebuild of many orders on %s', (kind) => {
  let replica: Replica;
  let known: string[];

  beforeAll(async () => {
    replica = { scratch: await scratchDatabase(kind), store: await startTestEventStore() };
    known = await seedOrders(replica.store.client, ORDERS[kind]);
  });

  afterAll(async () => {
    await replica?.running?.close();
    await replica?.store.close();
    await replica?.scratch.drop();
  });

  test('replays beside the live version while readers see every known order, then switches and drops the old one', async () => {
    const { store, scratch } = replica;
    const fn = await start(replica, orderProjector, FILL_CONCURRENCY);
    const before = await allOrders(fn.url, known, 'v1 has every seeded order', BUILD_MS, final);
    expect((await status(fn.url)).serving).toMatchObject({ label: 'v1', version: 1, group: 'order-projector' });

    // Readers poll known orders and writers keep adding orders for the whole rebuild.
    const reader = readKnownOrders(fn.url, known, 97);
    const writer = trickleOrders(store, ORDERS[kind]);

    const started = await post(fn.url, '/read-model/rebuild', {});
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ label: 'v1b', state: 'building', group: 'order-projector-v1b' });
    const during = await status(fn.url);
    expect(during.serving?.label).toBe('v1');
    expect(during.builds.map((b) => b.label)).toEqual(['v1b']);

    const switched = await eventually(
      'v1b switched in',
      async () => {
        const now = await status(fn.url);
        return now.serving?.label === 'v1b' ? now : undefined;
      },
      BUILD_MS,
    );
    expect(switched.generations.find((g) => g.label === 'v1')?.state).toMatch(/retired|dropped/);
    const added = await writer.stop();
    const { reads, failures } = await reader.stop();
    expect(reads).toBeGreaterThan(0);
    expect(failures).toEqual([]);

    // Every order, the ones added during the rebuild included, as v1 had it.
    const after = await allOrders(fn.url, [...known, ...added], 'v1b has every order', BUILD_MS, final);
    for (const id of known) expect(after.get(id)).toEqual(before.get(id));

    await eventually(
      'v1 dropped after the grace period',
      async () => ((await status(fn.url)).generations.find((g) => g.label === 'v1')?.state === 'dropped' ? true : undefined),
      BUILD_MS,
    );
    expect(await groupExists(store, 'order-projector')).toBe(false);
    expect(await groupExists(store, 'order-projector-v1b')).toBe(true);
    await fn.close();
    replica.running = undefined;
    expect(await schemas(scratch)).toEqual(['rm_order_projector_v1b']);
  });
});

describe('rebuild requests on postgres: verify, abort, a build that parks events', () => {
  let replica: Replica;

  beforeAll(async () => {
    replica = { scratch: await scratchDatabase('postgres'), store: await startTestEventStore() };
    const known = await seedOrders(replica.store.client, SIDE_ORDERS);
    const fn = await start(replica);
    await allOrders(fn.url, known, 'v1 has every seeded order', BUILD_MS, final);
  });

  afterAll(async () => {
    await replica?.running?.close();
    await replica?.store.close();
    await replica?.scratch.drop();
  });

  test('a verify build compares a scratch rebuild with the live version row by row, and is dropped', async () => {
    const fn = replica.running!;
    const started = await post(fn.url, '/read-model/rebuild', { verify: true });
    expect(started.status).toBe(202);
    const label = String(started.body.label);
    expect(label).toBe('v1-verify1');
    const verified = await eventually(
      'verify finished',
      async () => {
        const g = (await status(fn.url)).generations.find((x) => x.label === label);
        return g?.state === 'verified' || g?.state === 'dropped' ? g : undefined;
      },
      BUILD_MS,
    );
    expect(verified.message).toMatch(/^identical: 4 tables/);
    expect(verified.result).toMatchObject({ live: 'v1', differences: [] });
    expect((await status(fn.url)).serving?.label).toBe('v1');
  });

  test('abort abandons a build and leaves the live version untouched', async () => {
    const fn = replica.running!;
    const started = await post(fn.url, '/read-model/rebuild', {});
    expect(started.status).toBe(202);
    const label = String(started.body.label);
    expect(label).toBe('v1b');
    expect((await post(fn.url, '/read-model/rebuild', {})).status).toBe(409);
    const aborted = await post(fn.url, '/read-model/abort');
    expect(aborted.status).toBe(200);
    await eventually(
      'aborted build dropped',
      async () => ((await status(fn.url)).generations.find((x) => x.label === label)?.state === 'dropped' ? true : undefined),
      BUILD_MS,
    );
    expect((await status(fn.url)).serving?.label).toBe('v1');
    expect(await groupExists(replica.store, `order-projector-${label}`)).toBe(false);
    expect((await post(fn.url, '/read-model/abort')).status).toBe(404);
    expect((await post(fn.url, '/read-model/rebuild', { toVersion: 7 })).status).toBe(422);
  });

  test('a version whose projector throws on some events parks them and does not switch until accepted', async () => {
    await replica.running?.close();
    replica.running = undefined;
    const projector = orderProjector.subscription!;
    // v2 has a bug: it cannot project rejected reservations.
    const buggy = {
      ...orderProjector,
      readModel: { ...orderProjector.readModel!, version: 2 },
      subscription: {
        ...projector,
        settings: { ...projector.settings, maxRetryCount: 1 },
        async handle(event: Parameters<typeof projector.handle>[0], ctx: Parameters<typeof projector.handle>[1]) {
          if (event.type === 'StockReservationRejected') throw new PermanentError('v2 cannot project rejections');
          return projector.handle(event, ctx);
        },
      },
    } as typeof orderProjector;
    const fn = await start(replica, buggy);
    const stuck = await eventually(
      'the v2 build reports its parked events',
      async () => {
        const now = await status(fn.url);
        const build = now.builds.find((b) => b.label === 'v2');
        return build?.message?.includes('parked') ? { now, build } : undefined;
      },
      BUILD_MS,
    );
    expect(stuck.now.serving?.label).toBe('v1');
    expect(stuck.build.parked).toBeGreaterThan(0);
    expect(stuck.build.message).toMatch(/does not switch.*--accept-parked/);
    const ready = await fetch(`${fn.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('read model v2 is building');
    // Still v1 after another look: parked events hold the switch back.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await status(fn.url)).serving?.label).toBe('v1');

    expect((await post(fn.url, '/read-model/rebuild', { acceptParked: true })).status).toBe(202);
    await eventually(
      'v2 switched in once accepted',
      async () => ((await status(fn.url)).serving?.label === 'v2' ? true : undefined),
      BUILD_MS,
    );
    const readyNow = await eventually(
      'v2 replica ready',
      async () => ((await fetch(`${fn.url}/readyz`)).status === 200 ? true : undefined),
      BUILD_MS,
    );
    expect(readyNow).toBe(true);
    await eventually(
      'v1 dropped after the grace period',
      async () => ((await status(fn.url)).generations.find((x) => x.label === 'v1')?.state === 'dropped' ? true : undefined),
      BUILD_MS,
    );
    await fn.close();
    replica.running = undefined;
    expect(await schemas(replica.scratch)).toEqual(['rm_order_projector_v2']);
  });
});
