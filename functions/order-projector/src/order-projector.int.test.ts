import { randomUUID } from 'node:crypto';
import { type Harness, startHarness } from '@spillway/runtime';
import request from 'supertest';
import orderProjector from './index';
import { type ScratchDatabase, scratchDatabase } from './testing/scratch-database';

const now = () => new Date().toISOString();

// Bounds teardown: close() waits up to the drain deadline for open HTTP connections to end.
const DRAIN_MS = 1_000;

describe.each(['postgres', 'pglite'] as const)('order-projector on %s (real runtime, in-memory emulator)', (kind) => {
  let scratch: ScratchDatabase;
  let shop: Harness;

  // PGlite compiles its WebAssembly at start: tens of seconds on a loaded 2-core CI box.
  beforeAll(async () => {
    scratch = await scratchDatabase(kind);
    const env = scratch.databaseUrl ? { DATABASE_URL: scratch.databaseUrl } : { PGLITE_DATA_DIR: scratch.dataDir };
    // The harness starts its own in-memory emulator on a free port, and stops it on close.
    shop = await startHarness(orderProjector, { env, drainTimeoutMs: DRAIN_MS });
  }, 90_000);

  afterAll(async () => {
    await shop?.close();
    await scratch?.drop();
  });

  async function created(orderId: string, customerId = 'c-1') {
    await shop.append(`order-${orderId}`, [
      {
        type: 'OrderCreated',
        data: {
          orderId,
          customerId,
          items: [{ sku: 'apple', quantity: 2, unitPrice: 1.25 }],
          totalAmount: 2.5,
          currency: 'EUR',
          createdAt: now(),
        },
      },
    ]);
  }

  async function orderWhen(orderId: string, status: string) {
    return shop.eventually(async () => {
      const response = await request(shop.url).get(`/orders/${orderId}`);
      return response.status === 200 && response.body.status === status ? response.body : undefined;
    });
  }

  test('an order is projected and moves through its statuses', async () => {
    const orderId = randomUUID();
    await created(orderId);
    expect(await orderWhen(orderId, 'pending')).toMatchObject({
      orderId,
      totalAmount: 2.5,
      items: [{ sku: 'apple', quantity: 2, unitPrice: 1.25 }],
    });
    await shop.append(`order-${orderId}`, [{ type: 'StockReserved', data: { orderId, items: [{ sku: 'apple', quantity: 2 }] } }]);
    await orderWhen(orderId, 'reserved');
    await shop.append(`order-${orderId}`, [{ type: 'OrderCancelled', data: { orderId, cancelledAt: now() } }]);
    await orderWhen(orderId, 'cancelled');
  });

  test('a v1 OrderCreated from the first release is projected through the upcaster', async () => {
    const orderId = randomUUID();
    await shop.append(`order-${orderId}`, [
      {
        type: 'OrderCreated',
        data: { orderId, customerId: 'old', lines: [{ sku: 'apple', qty: 1, price: 3 }], total: 3, createdAt: now() },
      },
    ]);
    expect(await orderWhen(orderId, 'pending')).toMatchObject({
      currency: 'EUR',
      totalAmount: 3,
      items: [{ sku: 'apple', quantity: 1, unitPrice: 3 }],
    });
  });

  test('inventory levels follow restocks, reservations and releases', async () => {
    const sku = `pear-${randomUUID().slice(0, 8)}`;
    await shop.append(`inventory-${sku}`, [
      { type: 'StockRestocked', data: { sku, quantity: 10, restockedAt: now() } },
      { type: 'StockReserved', data: { orderId: 'o1', items: [{ sku, quantity: 4 }] } },
      { type: 'StockReserved', data: { orderId: 'o2', items: [{ sku, quantity: 3 }] } },
      { type: 'StockReleased', data: { orderId: 'o1', items: [{ sku, quantity: 4 }] } },
    ]);
    const level = await shop.eventually(async () => {
      const response = await request(shop.url).get(`/inventory/${sku}`);
      return response.status === 200 && response.body.reserved === 3 ? response.body : undefined;
    });
    expect(level).toEqual({ sku, onHand: 10, reserved: 3, available: 7 });
  });

  test('an event type the projector does not know leaves no gap: a later cancel still shows', async () => {
    const orderId = randomUUID();
    await created(orderId);
    await shop.append(`order-${orderId}`, [
      { type: 'StockReserved', data: { orderId, items: [{ sku: 'apple', quantity: 2 }] } },
      { type: 'OrderNoteAdded', data: { orderId, note: 'leave at the door' } },
      { type: 'OrderCancelled', data: { orderId, cancelledAt: now() } },
    ]);
    await orderWhen(orderId, 'cancelled');
  });

  test('an invalid inventory event is parked and stepped over: later events of the SKU are projected', async () => {
    const sku = `plum-${randomUUID().slice(0, 8)}`;
    await shop.append(`inventory-${sku}`, [
      { type: 'StockRestocked', data: { sku, quantity: 10, restockedAt: now() } },
      { type: 'StockRestocked', data: { sku, quantity: -5, restockedAt: now() } },
      { type: 'StockReserved', data: { orderId: 'o1', items: [{ sku, quantity: 4 }] } },
    ]);
    const level = await shop.eventually(async () => {
      const response = await request(shop.url).get(`/inventory/${sku}`);
      return response.status === 200 && response.body.reserved === 4 ? response.body : undefined;
    });
    expect(level).toEqual({ sku, onHand: 10, reserved: 4, available: 6 });
  });

  test('GET /orders filters by customer and status and pages with a cursor', async () => {
    const customer = `pager-${randomUUID().slice(0, 8)}`;
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) await created(id, customer);
    await Promise.all(ids.map((id) => orderWhen(id, 'pending')));
    const first = await request(shop.url).get('/orders').query({ customerId: customer, status: 'pending', limit: 2 }).expect(200);
    expect(first.body.items).toHaveLength(2);
    const second = await request(shop.url)
      .get('/orders')
      .query({ customerId: customer, limit: 2, cursor: first.body.nextCursor })
      .expect(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeUndefined();
    const seen = [...first.body.items, ...second.body.items].map((o: { orderId: string }) => o.orderId).sort();
    expect(seen).toEqual([...ids].sort());
  });

  test('blank filters mean no filter', async () => {
    const response = await request(shop.url).get('/orders?customerId=&status=&cursor=').expect(200);
    expect(response.body.items.length).toBeGreaterThan(0);
  });

  test('a limit above the maximum -> 400 naming the maximum (never a silently shorter page)', async () => {
    const response = await request(shop.url).get('/orders').query({ limit: 100000 }).expect(400);
    expect(response.body.errors).toEqual([{ path: 'query.limit', message: 'must be at most 100 (follow nextCursor for more)' }]);
    await request(shop.url).get('/orders').query({ limit: 100 }).expect(200);
  });

  test.each([
    { name: 'unknown status', query: { status: 'shipped' }, path: 'query.status' },
    { name: 'zero limit', query: { limit: 0 }, path: 'query.limit' },
    { name: 'non-numeric limit', query: { limit: 'many' }, path: 'query.limit' },
    { name: 'a cursor this API did not issue', query: { cursor: 'bogus' }, path: 'query.cursor' },
    {
      name: 'a cursor whose time PostgreSQL cannot read',
      query: { cursor: Buffer.from(JSON.stringify(['1', 'x'])).toString('base64url') },
      path: 'query.cursor',
    },
    ...[
      { year: 'an extended year after 9999', time: '+010000-01-01T00:00:00.000Z' },
      { year: 'the latest time JavaScript holds', time: '+275760-09-13T00:00:00.000Z' },
      { year: 'a negative extended year', time: '-000001-01-01T00:00:00.000Z' },
      { year: 'the earliest time JavaScript holds', time: '-271821-04-20T00:00:00.000Z' },
      { year: 'year 0', time: '0000-01-01T00:00:00.000Z' },
      { year: 'year 0 at its last instant', time: '0000-12-31T23:59:59.999Z' },
    ].map(({ year, time }) => ({
      name: `a forged cursor dated in ${year}`,
      query: { cursor: Buffer.from(JSON.stringify([time, 'o-1'])).toString('base64url') },
      path: 'query.cursor',
    })),
    {
      name: 'a cursor whose order id holds a NUL byte',
      query: { cursor: Buffer.from(JSON.stringify([new Date().toISOString(), 'a\u0000b'])).toString('base64url') },
      path: 'query.cursor',
    },
    { name: 'a customer id with a NUL byte', query: { customerId: 'a\u0000b' }, path: 'query.customerId' },
    { name: 'a repeated limit', query: { limit: ['1', '2'] }, path: 'query.limit' },
    { name: 'a misspelt filter', query: { state: 'pending' }, path: 'query.state' },
  ])('GET /orders with $name -> 400 naming $path', async ({ query, path }) => {
    const response = await request(shop.url).get('/orders').query(query).expect(400);
    expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
  });

  test('GET /orders/:id of an unknown order -> 404', async () => {
    const response = await request(shop.url).get(`/orders/${randomUUID()}`).expect(404);
    expect(response.body.code).toBe('NOT_FOUND');
  });

  test.each([
    { name: 'a NUL byte', id: 'a%00b' },
    { name: 'a space', id: 'a%20b' },
    { name: 'an overlong id', id: 'x'.repeat(500) },
  ])('GET /orders/:id with $name -> 400 naming params.id', async ({ id }) => {
    const response = await request(shop.url).get(`/orders/${id}`).expect(400);
    expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(['params.id']);
  });

  test('GET /inventory/:sku of a SKU never stocked -> 404', async () => {
    await request(shop.url).get('/inventory/never-stocked').expect(404);
  });

  test('GET /inventory/:sku with a SKU unfit for a stream name -> 400', async () => {
    await request(shop.url).get('/inventory/a%20b').expect(400);
  });
});
