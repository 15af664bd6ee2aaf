import { migrate, openSqlDatabase, type SqlDatabase } from '@spillway/runtime';
import { type ProjectedEvent, project } from '../decider';
import { type ScratchDatabase, scratchDatabase } from '../testing/scratch-database';
import { applyEvent, applyEvents, EventAheadError } from './apply-changes';
import { GroupCommit } from './group-commit';
import { migrations } from './migrations';
import { getInventory, getOrder, InvalidCursorError, listOrders } from './queries';

const createdAt = (minute: number) => `2026-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

function orderCreated(orderId: string, customerId: string, minute: number): ProjectedEvent {
  return {
    streamId: `order-${orderId}`,
    type: 'OrderCreated',
    data: {
      orderId,
      customerId,
      items: [{ sku: 'apple', quantity: 2, unitPrice: 0.35 }],
      totalAmount: 0.7,
      currency: 'EUR',
      createdAt: createdAt(minute),
    },
  };
}

async function apply(db: SqlDatabase, event: ProjectedEvent, revision: bigint) {
  return applyEvent(db, { streamId: event.streamId, revision }, project(event));
}

describe.each(['postgres', 'pglite'] as const)('read model on %s', (kind) => {
  let scratch: ScratchDatabase;
  let db: SqlDatabase;

  beforeAll(async () => {
    scratch = await scratchDatabase(kind);
    db = await openSqlDatabase(scratch);
    expect(await migrate(db, migrations)).toEqual([1]);
  });

  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  test('migrations run once: a second start applies nothing', async () => {
    expect(await migrate(db, migrations)).toEqual([]);
  });

  test('an order is inserted, moves to reserved, and reads back with its lines', async () => {
    expect(await apply(db, orderCreated('o1', 'c1', 1), 0n)).toBe('applied');
    expect(
      await apply(db, { streamId: 'order-o1', type: 'StockReserved', data: { orderId: 'o1', items: [{ sku: 'apple', quantity: 2 }] } }, 1n),
    ).toBe('applied');
    expect(await getOrder(db, 'o1')).toEqual({
      orderId: 'o1',
      customerId: 'c1',
      status: 'reserved',
      totalAmount: 0.7,
      currency: 'EUR',
      createdAt: createdAt(1),
      items: [{ sku: 'apple', quantity: 2, unitPrice: 0.35 }],
    });
  });

  test('a redelivered event changes nothing', async () => {
    const restock: ProjectedEvent = {
      streamId: 'inventory-apple',
      type: 'StockRestocked',
      data: { sku: 'apple', quantity: 10, restockedAt: createdAt(0) },
    };
    expect(await apply(db, restock, 0n)).toBe('applied');
    expect(await apply(db, restock, 0n)).toBe('duplicate');
    const reserve: ProjectedEvent = {
      streamId: 'inventory-apple',
      type: 'StockReserved',
      data: { orderId: 'o1', items: [{ sku: 'apple', quantity: 2 }] },
    };
    expect(await apply(db, reserve, 1n)).toBe('applied');
    expect(await apply(db, reserve, 1n)).toBe('duplicate');
    expect(await apply(db, restock, 0n)).toBe('duplicate');
    expect(await getInventory(db, 'apple')).toEqual({ sku: 'apple', onHand: 10, reserved: 2, available: 8 });
  });

  test('an event ahead of a missing one is refused (to be retried) and leaves no trace', async () => {
    const release: ProjectedEvent = {
      streamId: 'inventory-apple',
      type: 'StockReleased',
      data: { orderId: 'o1', items: [{ sku: 'apple', quantity: 2 }] },
    };
    await expect(apply(db, release, 3n)).rejects.toBeInstanceOf(EventAheadError);
    await expect(apply(db, orderCreated('o-gap', 'c1', 1), 1n)).rejects.toBeInstanceOf(EventAheadError);
    expect(await getInventory(db, 'apple')).toEqual({ sku: 'apple', onHand: 10, reserved: 2, available: 8 });
    expect(await apply(db, release, 2n)).toBe('applied');
    expect(await getInventory(db, 'apple')).toMatchObject({ reserved: 0, available: 10 });
  });

  test('a failing change rolls back the checkpoint with it', async () => {
    await apply(db, orderCreated('o2', 'c1', 2), 0n);
    // Inserting order o2 a second time breaks the primary key after the checkpoint was claimed.
    await expect(apply(db, orderCreated('o2', 'c1', 2), 1n)).rejects.toThrow();
    const cancelled: ProjectedEvent = { streamId: 'order-o2', type: 'OrderCancelled', data: { orderId: 'o2', cancelledAt: createdAt(3) } };
    expect(await apply(db, cancelled, 1n)).toBe('applied');
    expect(await getOrder(db, 'o2')).toMatchObject({ status: 'cancelled' });
  });

  describe('group commit', () => {
    /** The database, counting the transactions it is asked for. */
    function counting(): { db: SqlDatabase; transactions: () => number } {
      let n = 0;
      const counted: SqlDatabase = {
        ...db,
        query: (sql, params) => db.query(sql, params),
        transaction: (work) => {
          n++;
          return db.transaction(work);
        },
      };
      return { db: counted, transactions: () => n };
    }
    const changes = (event: ProjectedEvent, revision: bigint) => ({ streamId: event.streamId, revision, changes: project(event) });

    test('events handed over in one turn commit in one transaction, each with its own outcome', async () => {
      const { db: counted, transactions } = counting();
      const commits = new GroupCommit(counted);
      const a = orderCreated('gc-a', 'c9', 10);
      const outcomes = await Promise.all([
        commits.apply(changes(a, 0n)),
        commits.apply(changes(orderCreated('gc-b', 'c9', 11), 0n)),
        // o1 was applied by an earlier test: its redelivery is a no-op inside the same batch.
        commits.apply(changes(orderCreated('o1', 'c1', 1), 0n)),
      ]);
      expect(outcomes).toEqual(['applied', 'applied', 'duplicate']);
      expect(transactions()).toBe(1);
      expect(await getOrder(db, 'gc-a')).toMatchObject({ status: 'pending' });
      expect(await getOrder(db, 'gc-b')).toMatchObject({ status: 'pending' });
    });

    test('an idle projector commits an event at once; a busy one gathers the events right behind it into one transaction', async () => {
      const { db: counted, transactions } = counting();
      // Windows far longer than any scheduling delay: an idle projector that waited would outlive the test's timeout.
      const commits = new GroupCommit(counted, { busyMs: 60_000, gatherMs: 3_000, quietMs: 1_000 });
      expect(await commits.apply(changes(orderCreated('gw-a', 'c9', 20), 0n))).toBe('applied');
      expect(transactions()).toBe(1);
      // Deliveries arrive as I/O, in later turns of the event loop (by then that batch has finished).
      await new Promise((resolve) => setImmediate(resolve));
      // Busy now: three events arriving over a few milliseconds, in separate turns of the event loop, commit together.
      const b = commits.apply(changes(orderCreated('gw-b', 'c9', 21), 0n));
      await new Promise((resolve) => setImmediate(resolve));
      const c = commits.apply(changes(orderCreated('gw-c', 'c9', 22), 0n));
      await new Promise((resolve) => setTimeout(resolve, 10));
      const d = commits.apply(changes(orderCreated('gw-d', 'c9', 23), 0n));
      expect(await Promise.all([b, c, d])).toEqual(['applied', 'applied', 'applied']);
      expect(transactions()).toBe(2);
      for (const id of ['gw-a', 'gw-b', 'gw-c', 'gw-d']) expect(await getOrder(db, id)).toMatchObject({ status: 'pending' });
    });

    test('a busy projector stops gathering once the flow pauses, without waiting out its window', async () => {
      const { db: counted, transactions } = counting();
      // A window longer than the test's timeout: only the pause can end this gathering.
      const commits = new GroupCommit(counted, { busyMs: 60_000, gatherMs: 60_000, quietMs: 20 });
      expect(await commits.apply(changes(orderCreated('gq-a', 'c9', 30), 0n))).toBe('applied');
      await new Promise((resolve) => setImmediate(resolve));
      const pair = [commits.apply(changes(orderCreated('gq-b', 'c9', 31), 0n)), commits.apply(changes(orderCreated('gq-c', 'c9', 32), 0n))];
      expect(await Promise.all(pair)).toEqual(['applied', 'applied']);
      expect(transactions()).toBe(2);
    });

    /**
     * One order applied at once (the projector has just committed), then `events` more handed over `gapMs` apart
     * without waiting for them; resolves once all are applied. Orders are `<prefix>-<n>`, created at minute `minute + n`.
     */
    async function steadyFlow(commits: GroupCommit, prefix: string, minute: number, events: number, gapMs: number): Promise<void> {
      expect(await commits.apply(changes(orderCreated(`${prefix}-0`, 'c9', minute), 0n))).toBe('applied');
      const applied: Promise<unknown>[] = [];
      for (let i = 1; i <= events; i++) {
        applied.push(commits.apply(changes(orderCreated(`${prefix}-${i}`, 'c9', minute + i), 0n)));
        await new Promise((resolve) => setTimeout(resolve, gapMs));
      }
      expect(await Promise.all(applied)).toEqual(Array(events).fill('applied'));
    }

    test('a steady flow with gaps longer than the shortest pause still commits several events per transaction', async () => {
      const { db: counted, transactions } = counting();
      // Events 20 ms apart, far above the 1 ms floor: a pause counts from three mean gaps (60 ms) instead, and the
      // window outlasts the test's timeout, so only the pause after the last event ends the gathering.
      const commits = new GroupCommit(counted, { busyMs: 60_000, gatherMs: 60_000, quietMs: 1, quietGaps: 3 });
      const EVENTS = 16;
      await steadyFlow(commits, 'gs', 40, EVENTS, 20);
      // With the 1 ms pause alone each event would commit on its own (EVENTS + 1 in all); the first few gaps
      // teach the mean, then the rest gather.
      expect(transactions()).toBeLessThanOrEqual(1 + EVENTS / 2);
      expect(await getOrder(db, `gs-${EVENTS}`)).toMatchObject({ status: 'pending' });
    });

    test('a projector busy committing past its load limit waits only the shortest pause, however slow the flow', async () => {
      const { db: counted, transactions } = counting();
      // maxLoad 0: any commit at all puts it past the limit. Without the limit, three gaps of 100 ms would keep
      // every gathering open until the next event came (as the steady-flow test shows at 20 ms).
      const commits = new GroupCommit(counted, { busyMs: 60_000, gatherMs: 60_000, quietMs: 10, quietGaps: 3, maxLoad: 0 });
      const EVENTS = 6;
      await steadyFlow(commits, 'gl', 3, EVENTS, 100);
      // Each event on its own, but for a timer running 90 ms late under load.
      expect(transactions()).toBeGreaterThanOrEqual(EVENTS);
    });

    test('an event that fails spoils only itself: the rest of its batch is applied, it leaves no trace', async () => {
      const commits = new GroupCommit(db);
      const ahead = orderCreated('gc-ahead', 'c9', 12);
      const results = await Promise.allSettled([
        commits.apply(changes(orderCreated('gc-c', 'c9', 13), 0n)),
        commits.apply(changes(ahead, 4n)),
        commits.apply(changes(orderCreated('gc-d', 'c9', 14), 0n)),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(EventAheadError);
      expect(await getOrder(db, 'gc-c')).toMatchObject({ status: 'pending' });
      expect(await getOrder(db, 'gc-d')).toMatchObject({ status: 'pending' });
      expect(await getOrder(db, 'gc-ahead')).toBeUndefined();
    });

    test("a stream's following events are claimed together: a batch of orders and their outcomes is two statements", async () => {
      let statements = 0;
      const counted: SqlDatabase = {
        ...db,
        transaction: (work) =>
          db.transaction((tx) =>
            work({
              query: (sql, params) => {
                statements++;
                return tx.query(sql, params);
              },
            }),
          ),
      };
      const reserved = (orderId: string): ProjectedEvent => ({
        streamId: `order-${orderId}`,
        type: 'StockReserved',
        data: { orderId, items: [{ sku: 'plum', quantity: 1 }] },
      });
      const held = (orderId: string): ProjectedEvent => ({
        streamId: 'inventory-plum',
        type: 'StockReserved',
        data: { orderId, items: [{ sku: 'plum', quantity: 1 }] },
      });
      const restock: ProjectedEvent = {
        streamId: 'inventory-plum',
        type: 'StockRestocked',
        data: { sku: 'plum', quantity: 10, restockedAt: createdAt(0) },
      };
      expect(await apply(db, restock, 0n)).toBe('applied');
      const outcomes = await applyEvents(counted, [
        changes(orderCreated('run-a', 'c9', 20), 0n),
        changes(orderCreated('run-b', 'c9', 21), 0n),
        changes(held('run-a'), 1n),
        changes(reserved('run-a'), 1n),
        changes(held('run-b'), 2n),
        changes(reserved('run-b'), 1n),
      ]);
      expect(outcomes).toEqual(['applied', 'applied', 'applied', 'applied', 'applied', 'applied']);
      expect(statements).toBe(2);
      expect(await getOrder(db, 'run-a')).toMatchObject({ status: 'reserved' });
      expect(await getInventory(db, 'plum')).toEqual({ sku: 'plum', onHand: 10, reserved: 2, available: 8 });
      // Each stream's checkpoint is at its last claimed revision: the next ones apply, the claimed ones are duplicates.
      expect(await apply(db, held('run-c'), 3n)).toBe('applied');
      expect(await apply(db, reserved('run-b'), 1n)).toBe('duplicate');
      expect(
        await apply(db, { streamId: 'order-run-a', type: 'OrderCancelled', data: { orderId: 'run-a', cancelledAt: createdAt(22) } }, 2n),
      ).toBe('applied');
    });

    test('a run whose claim fails goes one event at a time: a redelivered first event is skipped, the next applied, a gap refused', async () => {
      const reserved = (orderId: string): ProjectedEvent => ({
        streamId: `order-${orderId}`,
        type: 'StockReserved',
        data: { orderId, items: [{ sku: 'plum', quantity: 1 }] },
      });
      expect(await apply(db, orderCreated('run-d', 'c9', 23), 0n)).toBe('applied');
      const outcomes = await applyEvents(db, [
        changes(orderCreated('run-d', 'c9', 23), 0n),
        changes(reserved('run-d'), 1n),
        // Revision 1 of a stream whose revision 0 has not been applied: refused, to be retried.
        changes(reserved('run-e'), 1n),
      ]);
      expect(outcomes.map((o) => (o instanceof EventAheadError ? 'ahead' : o))).toEqual(['duplicate', 'applied', 'ahead']);
      expect(await getOrder(db, 'run-d')).toMatchObject({ status: 'reserved' });
      expect(await getOrder(db, 'run-e')).toBeUndefined();
    });

    test('one batch with a stream several times, a redelivery, a gap and shared SKUs ends as one event at a time would', async () => {
      const { db: counted, transactions } = counting();
      const reserve = (orderId: string, quantity: number): ProjectedEvent => ({
        streamId: 'inventory-pear',
        type: 'StockReserved',
        data: { orderId, items: [{ sku: 'pear', quantity }] },
      });
      const restock: ProjectedEvent = {
        streamId: 'inventory-pear',
        type: 'StockRestocked',
        data: { sku: 'pear', quantity: 9, restockedAt: createdAt(0) },
      };
      const e = orderCreated('gc-e', 'c9', 15);
      const rejected: ProjectedEvent = {
        streamId: 'order-gc-e',
        type: 'StockReservationRejected',
        data: { orderId: 'gc-e', reasons: [{ sku: 'pear', requested: 3, available: 0 }] },
      };
      const cancelled: ProjectedEvent = {
        streamId: 'order-gc-e',
        type: 'OrderCancelled',
        data: { orderId: 'gc-e', cancelledAt: createdAt(16) },
      };
      const outcomes = await applyEvents(counted, [
        changes(e, 0n),
        changes(restock, 0n),
        changes(rejected, 1n),
        changes(reserve('gc-e', 2), 1n),
        // Redelivered within the batch: its stream is already past it.
        changes(e, 0n),
        changes(cancelled, 2n),
        changes(reserve('gc-x', 1), 2n),
        // A gap: revision 4 of an order stream at 0.
        changes(orderCreated('gc-f', 'c9', 17), 0n),
        changes({ streamId: 'order-gc-f', type: 'OrderCancelled', data: { orderId: 'gc-f', cancelledAt: createdAt(18) } }, 4n),
      ]);
      expect(outcomes.map((o) => (o instanceof EventAheadError ? 'ahead' : o))).toEqual([
        'applied',
        'applied',
        'applied',
        'applied',
        'duplicate',
        'applied',
        'applied',
        'applied',
        'ahead',
      ]);
      expect(transactions()).toBe(1);
      // The last status wins, reasons and all: a cancel after a rejection clears them, as it does one event at a time.
      const order = await getOrder(db, 'gc-e');
      expect(order).toMatchObject({ status: 'cancelled' });
      expect(order?.rejectionReasons).toBeUndefined();
      expect(await getOrder(db, 'gc-f')).toMatchObject({ status: 'pending' });
      expect(await getInventory(db, 'pear')).toEqual({ sku: 'pear', onHand: 9, reserved: 3, available: 6 });
      expect(await apply(db, reserve('gc-y', 1), 3n)).toBe('applied');
    });
  });

  test('rejection reasons are kept', async () => {
    await apply(db, orderCreated('o3', 'c2', 3), 0n);
    const reasons = [{ sku: 'apple', requested: 2, available: 0 }];
    await apply(db, { streamId: 'order-o3', type: 'StockReservationRejected', data: { orderId: 'o3', reasons } }, 1n);
    expect(await getOrder(db, 'o3')).toMatchObject({ status: 'rejected', rejectionReasons: reasons });
  });

  test('orders list newest first, filtered, in keyset pages that neither skip nor repeat', async () => {
    for (let minute = 10; minute < 15; minute++) await apply(db, orderCreated(`p${minute}`, 'pager', minute), 0n);
    const first = await listOrders(db, { customerId: 'pager', limit: 2 });
    expect(first.items.map((o) => o.orderId)).toEqual(['p14', 'p13']);
    const second = await listOrders(db, { customerId: 'pager', limit: 2, cursor: first.nextCursor });
    expect(second.items.map((o) => o.orderId)).toEqual(['p12', 'p11']);
    const third = await listOrders(db, { customerId: 'pager', limit: 2, cursor: second.nextCursor });
    expect(third.items.map((o) => o.orderId)).toEqual(['p10']);
    expect(third.nextCursor).toBeUndefined();
    const rejected = await listOrders(db, { status: 'rejected', limit: 10 });
    expect(rejected.items.map((o) => o.orderId)).toEqual(['o3']);
  });

  test('a cursor the API did not issue is refused', async () => {
    await expect(listOrders(db, { limit: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  test('unknown ids read as undefined', async () => {
    expect(await getOrder(db, 'nope')).toBeUndefined();
    expect(await getInventory(db, 'nope')).toBeUndefined();
  });

  test('an order created and rejected in one batch is written with its status and reasons', async () => {
    const created = orderCreated('o-batch', 'c3', 20);
    const reasons = [{ sku: 'apple', requested: 2, available: 1 }];
    const rejected: ProjectedEvent = { streamId: 'order-o-batch', type: 'StockReservationRejected', data: { orderId: 'o-batch', reasons } };
    const outcomes = await applyEvents(db, [
      { streamId: created.streamId, revision: 0n, changes: project(created) },
      { streamId: rejected.streamId, revision: 1n, changes: project(rejected) },
    ]);
    expect(outcomes).toEqual(['applied', 'applied']);
    expect(await getOrder(db, 'o-batch')).toMatchObject({
      status: 'rejected',
      rejectionReasons: reasons,
      items: [{ sku: 'apple', quantity: 2 }],
    });
  });
});
