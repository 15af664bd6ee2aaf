import { randomUUID } from 'node:crypto';
import { type Harness, startHarness } from '@spillway/runtime';
import request from 'supertest';
import stockReservation from './index';

type Line = { sku: string; quantity: number };

// Bounds teardown: close() waits up to the drain deadline for open HTTP connections to end.
const DRAIN_MS = 1_000;

describe('stock-reservation (real runtime, in-memory emulator)', () => {
  let shop: Harness;
  const sku = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

  // The harness starts its own in-memory emulator on a free port, and stops it on close.
  beforeAll(async () => {
    shop = await startHarness(stockReservation, { drainTimeoutMs: DRAIN_MS });
  });

  afterAll(() => shop?.close());

  async function restock(name: string, quantity: number) {
    await request(shop.url).post(`/inventory/${name}/restock`).send({ quantity }).expect(200);
  }

  async function placeOrder(lines: Line[]): Promise<string> {
    const orderId = randomUUID();
    const items = lines.map((line) => ({ ...line, unitPrice: 1 }));
    await shop.append(`order-${orderId}`, [
      {
        type: 'OrderCreated',
        data: { orderId, customerId: 'c', items, totalAmount: items.length, currency: 'EUR', createdAt: new Date().toISOString() },
      },
    ]);
    return orderId;
  }

  async function outcomeOf(orderId: string) {
    return shop.eventually(async () =>
      (await shop.read(`order-${orderId}`)).find((e) => e.type !== 'OrderCreated' && e.type !== 'OrderCancelled'),
    );
  }

  async function typesOf(stream: string) {
    return (await shop.read(stream)).map((e) => e.type);
  }

  describe('HTTP', () => {
    test('restock -> 200 and StockRestocked on inventory-<sku>', async () => {
      const name = sku('apple');
      const response = await request(shop.url).post(`/inventory/${name}/restock`).send({ quantity: 7 }).expect(200);
      expect(response.body).toEqual({ sku: name, restocked: 7 });
      expect(await shop.read(`inventory-${name}`)).toEqual([
        expect.objectContaining({ type: 'StockRestocked', data: expect.objectContaining({ sku: name, quantity: 7 }) }),
      ]);
    });

    test('restock retried with the same Idempotency-Key adds the units once and answers as the first time', async () => {
      const name = sku('pear');
      const first = await request(shop.url)
        .post(`/inventory/${name}/restock`)
        .set('idempotency-key', 'k1')
        .send({ quantity: 3 })
        .expect(200);
      await restock(name, 4); // the stream moves on between the two attempts
      const again = await request(shop.url)
        .post(`/inventory/${name}/restock`)
        .set('idempotency-key', 'k1')
        .send({ quantity: 3 })
        .expect(200);
      expect(again.body).toEqual(first.body);
      expect((await shop.read(`inventory-${name}`)).map((e) => e.data)).toEqual([
        expect.objectContaining({ quantity: 3 }),
        expect.objectContaining({ quantity: 4 }),
      ]);
    });

    test('restock with a reused Idempotency-Key and another quantity -> 422 IDEMPOTENCY_KEY_REUSED, nothing restocked', async () => {
      const name = sku('plum');
      await request(shop.url).post(`/inventory/${name}/restock`).set('idempotency-key', 'k2').send({ quantity: 3 }).expect(200);
      const reused = await request(shop.url)
        .post(`/inventory/${name}/restock`)
        .set('idempotency-key', 'k2')
        .send({ quantity: 100 })
        .expect(422);
      expect(reused.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
      expect((await shop.read(`inventory-${name}`)).map((e) => e.data)).toEqual([expect.objectContaining({ quantity: 3 })]);
    });

    test('an Idempotency-Key is scoped to its URL: the same key restocks another SKU', async () => {
      const [one, other] = [sku('fig'), sku('fig')];
      await request(shop.url).post(`/inventory/${one}/restock`).set('idempotency-key', 'k3').send({ quantity: 3 }).expect(200);
      await request(shop.url).post(`/inventory/${other}/restock`).set('idempotency-key', 'k3').send({ quantity: 3 }).expect(200);
      expect(await shop.read(`inventory-${other}`)).toHaveLength(1);
    });

    test.each([
      { name: 'zero quantity', body: { quantity: 0 }, path: 'body.quantity' },
      { name: 'fractional quantity', body: { quantity: 1.5 }, path: 'body.quantity' },
      { name: 'missing quantity', body: {}, path: 'body.quantity' },
      { name: 'an unknown field', body: { quantity: 1, warehouse: 'north' }, path: 'body.warehouse' },
    ])('restock with $name -> 400 naming $path', async ({ body, path }) => {
      const response = await request(shop.url).post('/inventory/apple/restock').send(body).expect(400);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    });

    test('restock of a SKU unfit for a stream name -> 400 naming params.sku', async () => {
      const response = await request(shop.url).post('/inventory/a%2Fb/restock').send({ quantity: 1 }).expect(400);
      expect(response.body.errors[0].path).toBe('params.sku');
    });

    test('restock with a body above the size limit -> 413', async () => {
      await request(shop.url)
        .post('/inventory/apple/restock')
        .send({ quantity: 1, note: 'x'.repeat(200 * 1024) })
        .expect(413);
    });

    test('restock without a JSON body -> 415', async () => {
      await request(shop.url).post('/inventory/apple/restock').set('content-type', 'text/plain').send('5').expect(415);
    });
  });

  describe('subscription', () => {
    test('an order within stock -> StockReserved on the order and on the inventory stream', async () => {
      const a = sku('a');
      await restock(a, 5);
      const orderId = await placeOrder([{ sku: a, quantity: 5 }]);
      expect(await outcomeOf(orderId)).toMatchObject({ type: 'StockReserved', data: { orderId, items: [{ sku: a, quantity: 5 }] } });
      expect(await typesOf(`inventory-${a}`)).toEqual(['StockRestocked', 'StockReserved']);
    });

    test('an order beyond stock -> StockReservationRejected with requested and available, nothing held', async () => {
      const a = sku('a');
      await restock(a, 2);
      const orderId = await placeOrder([{ sku: a, quantity: 3 }]);
      expect(await outcomeOf(orderId)).toMatchObject({
        type: 'StockReservationRejected',
        data: { reasons: [{ sku: a, requested: 3, available: 2 }] },
      });
      expect(await typesOf(`inventory-${a}`)).toEqual(['StockRestocked']);
    });

    test('a later SKU short -> rejected, and the earlier SKU is released again', async () => {
      const a = sku('a');
      const b = sku('b');
      await restock(a, 5);
      await restock(b, 1);
      // SKUs are taken in name order: a-... first, then b-..., which is short.
      const orderId = await placeOrder([
        { sku: b, quantity: 2 },
        { sku: a, quantity: 1 },
      ]);
      expect(await outcomeOf(orderId)).toMatchObject({
        type: 'StockReservationRejected',
        data: { reasons: [{ sku: b, requested: 2, available: 1 }] },
      });
      await shop.eventually(async () => ((await typesOf(`inventory-${a}`)).includes('StockReleased') ? true : undefined));
      expect(await typesOf(`inventory-${a}`)).toEqual(['StockRestocked', 'StockReserved', 'StockReleased']);
    });

    test('a cancelled order gives its stock back', async () => {
      const a = sku('a');
      await restock(a, 1);
      const orderId = await placeOrder([{ sku: a, quantity: 1 }]);
      await outcomeOf(orderId);
      await shop.append(`order-${orderId}`, [{ type: 'OrderCancelled', data: { orderId, cancelledAt: new Date().toISOString() } }]);
      await shop.eventually(async () => ((await typesOf(`inventory-${a}`)).includes('StockReleased') ? true : undefined));
      const next = await placeOrder([{ sku: a, quantity: 1 }]);
      expect(await outcomeOf(next)).toMatchObject({ type: 'StockReserved' });
    });

    test('an invalid StockRestocked (quantity -5) is quarantined: later restocks and orders of the SKU work', async () => {
      const a = sku('bad');
      await restock(a, 3);
      await shop.append(`inventory-${a}`, [
        { type: 'StockRestocked', data: { sku: a, quantity: -5, restockedAt: new Date().toISOString() } },
      ]);
      await request(shop.url).post(`/inventory/${a}/restock`).send({ quantity: 2 }).expect(200);
      const orderId = await placeOrder([{ sku: a, quantity: 5 }]);
      expect(await outcomeOf(orderId)).toMatchObject({ type: 'StockReserved' });
      // The bad event is still in its stream, and recorded where an operator finds it.
      const [bad] = (await shop.read(`inventory-${a}`)).filter((e) => (e.data as { quantity?: number }).quantity === -5);
      const records = await shop.read('spillway-quarantine');
      expect(records.filter((r) => (r.data as { eventId: string }).eventId === bad?.id)).toEqual([
        expect.objectContaining({
          type: 'EventQuarantined',
          data: expect.objectContaining({ fn: 'stock-reservation', type: 'StockRestocked' }),
        }),
      ]);
    });

    test('the same OrderCreated handled twice (a duplicate in the order stream) never reserves twice', async () => {
      const a = sku('a');
      await restock(a, 10);
      const orderId = await placeOrder([{ sku: a, quantity: 4 }]);
      await outcomeOf(orderId);
      const [created] = await shop.read(`order-${orderId}`);
      // Handled again from the top: the order is settled and the inventory already holds this order's units.
      await shop.append(`order-${orderId}`, [{ type: 'OrderCreated', data: created!.data }]);
      const probe = await placeOrder([{ sku: a, quantity: 6 }]);
      expect(await outcomeOf(probe)).toMatchObject({ type: 'StockReserved' });
      const reserved = (await shop.read(`inventory-${a}`)).filter((e) => e.type === 'StockReserved');
      expect(reserved).toHaveLength(2);
    });

    test('an order already cancelled when its OrderCreated is handled: what the fast path held goes back, no outcome is recorded', async () => {
      const a = sku('a');
      await restock(a, 3);
      const orderId = randomUUID();
      const items = [{ sku: a, quantity: 2, unitPrice: 1 }];
      const createdAt = new Date().toISOString();
      // Both in one append: the outcome's append, expecting the order at revision 0, meets the cancel.
      await shop.append(`order-${orderId}`, [
        { type: 'OrderCreated', data: { orderId, customerId: 'c', items, totalAmount: 2, currency: 'EUR', createdAt } },
        { type: 'OrderCancelled', data: { orderId, cancelledAt: createdAt } },
      ]);
      await shop.eventually(async () => ((await typesOf(`inventory-${a}`)).includes('StockReleased') ? true : undefined));
      expect(await typesOf(`inventory-${a}`)).toEqual(['StockRestocked', 'StockReserved', 'StockReleased']);
      expect(await typesOf(`order-${orderId}`)).toEqual(['OrderCreated', 'OrderCancelled']);
    });

    test('stock taken by another writer (another replica) behind the cache is seen: the append conflicts and the SKU is re-read', async () => {
      const a = sku('a');
      await restock(a, 5);
      expect(await outcomeOf(await placeOrder([{ sku: a, quantity: 1 }]))).toMatchObject({ type: 'StockReserved' });
      // This replica's cache now says 4 available; another writer holds 3 of them.
      await shop.append(`inventory-${a}`, [{ type: 'StockReserved', data: { orderId: randomUUID(), items: [{ sku: a, quantity: 3 }] } }]);
      expect(await outcomeOf(await placeOrder([{ sku: a, quantity: 2 }]))).toMatchObject({
        type: 'StockReservationRejected',
        data: { reasons: [{ sku: a, requested: 2, available: 1 }] },
      });
      expect(await outcomeOf(await placeOrder([{ sku: a, quantity: 1 }]))).toMatchObject({ type: 'StockReserved' });
    });

    test('stock restocked after this replica saw the SKU run out is used: the next order is reserved, not rejected on the cached state', async () => {
      const a = sku('a');
      await restock(a, 1);
      expect(await outcomeOf(await placeOrder([{ sku: a, quantity: 1 }]))).toMatchObject({ type: 'StockReserved' });
      // The cache now says 0 available; a restock through the route, then one by another writer, add 2.
      await restock(a, 1);
      await shop.append(`inventory-${a}`, [
        { type: 'StockRestocked', data: { sku: a, quantity: 1, restockedAt: new Date().toISOString() } },
      ]);
      expect(await outcomeOf(await placeOrder([{ sku: a, quantity: 2 }]))).toMatchObject({ type: 'StockReserved' });
    });

    test("a cancel handled on a cache behind another replica's hold still gives the stock back", async () => {
      const a = sku('a');
      await restock(a, 3);
      expect(await outcomeOf(await placeOrder([{ sku: a, quantity: 1 }]))).toMatchObject({ type: 'StockReserved' });
      // Another replica reserved order y (stream and hold) while this one's cache of the SKU stood still. The
      // stream opens with an event this contract does not know, so OrderCreated is not at revision 0 and this
      // replica only reads the order (already reserved) instead of trying to reserve, which would refresh the cache.
      const y = randomUUID();
      const createdAt = new Date().toISOString();
      const items = [{ sku: a, quantity: 2, unitPrice: 1 }];
      await shop.append(`inventory-${a}`, [{ type: 'StockReserved', data: { orderId: y, items: [{ sku: a, quantity: 2 }] } }]);
      await shop.append(`order-${y}`, [
        { type: 'OrderImported', data: { orderId: y } },
        { type: 'OrderCreated', data: { orderId: y, customerId: 'c', items, totalAmount: 2, currency: 'EUR', createdAt } },
        { type: 'StockReserved', data: { orderId: y, items: [{ sku: a, quantity: 2 }] } },
      ]);
      await shop.append(`order-${y}`, [{ type: 'OrderCancelled', data: { orderId: y, cancelledAt: createdAt } }]);
      await shop.eventually(async () => ((await typesOf(`inventory-${a}`)).includes('StockReleased') ? true : undefined));
      expect(await outcomeOf(await placeOrder([{ sku: a, quantity: 2 }]))).toMatchObject({ type: 'StockReserved' });
    });

    test('concurrent orders on scarce stock never oversell', async () => {
      const a = sku('hot');
      await restock(a, 7);
      const orders = await Promise.all(Array.from({ length: 20 }, () => placeOrder([{ sku: a, quantity: 1 }])));
      const outcomes = await Promise.all(orders.map(outcomeOf));
      expect(outcomes.filter((o) => o.type === 'StockReserved')).toHaveLength(7);
      expect(outcomes.filter((o) => o.type === 'StockReservationRejected')).toHaveLength(13);
      expect((await shop.read(`inventory-${a}`)).filter((e) => e.type === 'StockReserved')).toHaveLength(7);
    });
  });
});
