import { type RunningFunction, startTestEventStore, type TestEventStore } from '@spillway/runtime';
import orderProjector from './index';
import { seedOrders } from './testing/order-log';
import {
  allOrders,
  eventually,
  final,
  groupExists,
  readKnownOrders,
  schemas,
  startProjector,
  status,
  trickleOrders,
} from './testing/rebuild-probes';
import { type ScratchDatabase, scratchDatabase } from './testing/scratch-database';

// Enough for the build to take a while beside the serving replica, few enough for CI.
const ORDERS = 1_000;
const BUILD_MS = 120_000;
// After the switch the old replica must leave its group alone: it is looked at for this long.
const QUIET_MS = 2_000;

jest.setTimeout(240_000);

/**
 * A rolling upgrade on one database and one event store: a replica of the running version (v1) serves
 * and consumes while a replica of the next version (v2) starts beside it, builds v2, and switches readers;
 * the old replica then serves what is live and stops consuming its version. Two independent runtimes
 * in this process, as two pods would be.
 */
describe('two replicas on different read-model versions (PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let store: TestEventStore;
  const replicas: RunningFunction[] = [];

  const start = async (definition: typeof orderProjector) => {
    const running = await startProjector(scratch, store, definition);
    replicas.push(running);
    return running;
  };

  beforeAll(async () => {
    scratch = await scratchDatabase('postgres');
    store = await startTestEventStore();
  });

  afterAll(async () => {
    for (const running of replicas) await running.close();
    await store?.close();
    await scratch?.drop();
  });

  test('the new version builds beside the serving one, switches, and the old replica serves it and stops consuming', async () => {
    const known = await seedOrders(store.client, ORDERS);
    const old = await start(orderProjector);
    const before = await allOrders(old.url, known, 'v1 has every seeded order', BUILD_MS, final);

    // Readers poll known orders through the old replica; writers keep adding orders throughout.
    const reader = readKnownOrders(old.url, known, 31);
    const writer = trickleOrders(store, ORDERS);

    const next = await start({ ...orderProjector, readModel: { ...orderProjector.readModel!, version: 2 } });
    const building = await status(next.url);
    expect(building.serving?.label).toBe('v1');
    expect(building.builds.map((b) => b.label)).toEqual(['v2']);
    const notYet = await fetch(`${next.url}/readyz`);
    expect(notYet.status).toBe(503);
    expect(JSON.stringify(await notYet.json())).toContain('read model v2 is building');
    expect((await fetch(`${old.url}/readyz`)).status).toBe(200);
    // The old replica keeps consuming during the build: an order written now shows through it, from v1.
    const [duringBuild] = await seedOrders(store.client, 1, 100_000);
    await allOrders(old.url, [duringBuild!], 'an order written during the build, through the old replica', BUILD_MS, final);
    expect((await status(old.url)).serving?.label).toBe('v1');

    await eventually('v2 switched in', async () => ((await status(next.url)).serving?.label === 'v2' ? true : undefined), BUILD_MS);
    // The old replica notices within a poll: it is superseded (not ready) and no longer consumes v1. (Its
    // subscription drops first, when the switch deletes the group: "not live" for a moment.)
    const superseded = await eventually(
      'the old replica superseded',
      async () => {
        const response = await fetch(`${old.url}/readyz`);
        const body = JSON.stringify(await response.json());
        return response.status === 503 && body.includes('superseded') ? body : undefined;
      },
      BUILD_MS,
    );
    expect(superseded).toContain('superseded: read model v2 is live, this replica declares v1');
    await eventually(
      'the new replica ready',
      async () => ((await fetch(`${next.url}/readyz`)).status === 200 ? true : undefined),
      BUILD_MS,
    );
    await eventually(
      'v1 dropped',
      async () => ((await status(old.url)).generations.find((g) => g.label === 'v1')?.state === 'dropped' ? true : undefined),
      BUILD_MS,
    );
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(await groupExists(store, 'order-projector')).toBe(false);

    const added = await writer.stop();
    const { reads, failures } = await reader.stop();
    expect(reads).toBeGreaterThan(0);
    expect(failures).toEqual([]);

    // Both replicas read v2 now, orders written after the switch included (only the new replica consumes them).
    const [afterSwitch] = await seedOrders(store.client, 1, 200_000);
    const everything = [...known, duringBuild!, ...added, afterSwitch!];
    const throughOld = await allOrders(old.url, everything, 'every order through the old replica', BUILD_MS, final);
    const throughNew = await allOrders(next.url, everything, 'every order through the new replica', BUILD_MS, final);
    for (const id of known) {
      expect(throughOld.get(id)).toEqual(before.get(id));
      expect(throughNew.get(id)).toEqual(before.get(id));
    }
    expect((await status(old.url)).serving?.label).toBe('v2');
    expect(await schemas(scratch)).toEqual(['rm_order_projector_v2']);
  });
});
