import { type Harness, startHarness } from '@spillway/runtime';
import request from 'supertest';
import orderCreate from './index';

const order = { customerId: 'c-1', items: [{ sku: 'apple', quantity: 3, unitPrice: 0.1 }], currency: 'EUR' };

// Bounds teardown: close() waits up to the drain deadline for open HTTP connections to end.
const DRAIN_MS = 1_000;

describe('order-create over HTTP (real runtime, in-memory emulator)', () => {
  let shop: Harness;

  // The harness starts its own in-memory emulator on a free port, and stops it on close.
  beforeAll(async () => {
    shop = await startHarness(orderCreate, { drainTimeoutMs: DRAIN_MS });
  });

  afterAll(() => shop?.close());

  test('POST /orders -> 201 with the order id, a Location, and OrderCreated with the total computed here', async () => {
    const response = await request(shop.url).post('/orders').send(order).expect(201);
    const { orderId } = response.body as { orderId: string };
    expect(response.headers['location']).toBe(`/orders/${orderId}`);
    const events = await shop.read(`order-${orderId}`);
    expect(events).toEqual([
      expect.objectContaining({ type: 'OrderCreated', data: expect.objectContaining({ orderId, totalAmount: 0.3, currency: 'EUR' }) }),
    ]);
  });

  test('with PUBLIC_BASE_URL the Location is the absolute URL where the order is read (the gateway)', async () => {
    const behindGateway = await startHarness(orderCreate, {
      drainTimeoutMs: DRAIN_MS,
      connectionString: shop.connectionString,
      publicBaseUrl: 'http://127.0.0.1:8080',
    });
    try {
      const response = await request(behindGateway.url).post('/orders').send(order).expect(201);
      expect(response.headers['location']).toBe(`http://127.0.0.1:8080/orders/${response.body.orderId}`);
    } finally {
      await behindGateway.close();
    }
  });

  test('the same Idempotency-Key -> the same order, written once, answered as the first time', async () => {
    const first = await request(shop.url).post('/orders').set('idempotency-key', 'retry-me').send(order).expect(201);
    // Key order in the body does not make it another request.
    const reordered = { currency: order.currency, items: order.items, customerId: order.customerId };
    const second = await request(shop.url).post('/orders').set('idempotency-key', 'retry-me').send(reordered).expect(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['location']).toBe(first.headers['location']);
    expect(await shop.read(`order-${first.body.orderId}`)).toHaveLength(1);
  });

  test('a cancel retried with the same Idempotency-Key -> the first 200 again; with another reason -> 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const { orderId } = (await request(shop.url).post('/orders').send(order).expect(201)).body as { orderId: string };
    const cancel = () => request(shop.url).post(`/orders/${orderId}/cancel`).set('idempotency-key', 'cancel-once');
    const first = await cancel().send({ reason: 'too slow' }).expect(200);
    const retried = await cancel().send({ reason: 'too slow' }).expect(200);
    expect(retried.body).toEqual(first.body);
    const reused = await cancel().send({ reason: 'something else' }).expect(422);
    expect(reused.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    // Without a key a second cancel is a new request, refused by the order's state.
    await request(shop.url).post(`/orders/${orderId}/cancel`).send({ reason: 'too slow' }).expect(409);
    expect((await shop.read(`order-${orderId}`)).map((e) => e.type)).toEqual(['OrderCreated', 'OrderCancelled']);
  });

  test('the same Idempotency-Key with another order -> 422 IDEMPOTENCY_KEY_REUSED', async () => {
    await request(shop.url).post('/orders').set('idempotency-key', 'reused').send(order).expect(201);
    const response = await request(shop.url)
      .post('/orders')
      .set('idempotency-key', 'reused')
      .send({ ...order, customerId: 'someone-else' })
      .expect(422);
    expect(response.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
  });

  test('an invalid order -> 400 problem+json naming each bad field', async () => {
    const response = await request(shop.url)
      .post('/orders')
      .send({ customerId: '', items: [{ sku: 'apple', quantity: 0, unitPrice: 1.001 }], currency: 'XXX1' })
      .expect(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect((response.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(
      ['body.currency', 'body.customerId', 'body.items.0.quantity', 'body.items.0.unitPrice'].sort(),
    );
  });

  test.each([
    { name: 'an unknown field', body: { ...order, extra: 1 }, paths: ['body.extra'] },
    {
      name: 'an unknown field in a line',
      body: { ...order, items: [{ ...order.items[0], colour: 'red' }] },
      paths: ['body.items.0.colour'],
    },
    { name: 'two unknown fields', body: { ...order, note: 'x', giftWrap: true }, paths: ['body.giftWrap', 'body.note'] },
  ])('an order with $name -> 400 naming it, nothing written', async ({ body, paths }) => {
    const response = await request(shop.url).post('/orders').set('idempotency-key', `strict-${paths.join()}`).send(body).expect(400);
    expect((response.body.errors as { path: string; message: string }[]).map((e) => e.path).sort()).toEqual(paths);
    expect(response.body.errors[0].message).toBe('unknown field');
  });

  test('a cancel with an unknown field -> 400 naming it', async () => {
    const { orderId } = (await request(shop.url).post('/orders').send(order).expect(201)).body as { orderId: string };
    const response = await request(shop.url).post(`/orders/${orderId}/cancel`).send({ reason: 'x', refund: true }).expect(400);
    expect(response.body.errors).toEqual([{ path: 'body.refund', message: 'unknown field' }]);
  });

  test('a body that is not JSON -> 415', async () => {
    await request(shop.url).post('/orders').set('content-type', 'text/plain').send('hello').expect(415);
  });

  test('malformed JSON -> 400', async () => {
    await request(shop.url).post('/orders').set('content-type', 'application/json').send('{"customerId":').expect(400);
  });

  test('an Idempotency-Key with control characters -> 400', async () => {
    const response = await request(shop.url).post('/orders').set('idempotency-key', 'a b').send(order).expect(400);
    expect(response.body.errors[0].path).toBe('headers.idempotency-key');
  });

  test('POST /orders/:id/cancel -> 200 and OrderCancelled; again -> 409 ORDER_ALREADY_CANCELLED', async () => {
    const { orderId } = (await request(shop.url).post('/orders').send(order).expect(201)).body as { orderId: string };
    await request(shop.url).post(`/orders/${orderId}/cancel`).send({ reason: 'changed my mind' }).expect(200);
    expect((await shop.read(`order-${orderId}`)).map((e) => e.type)).toEqual(['OrderCreated', 'OrderCancelled']);
    const again = await request(shop.url).post(`/orders/${orderId}/cancel`).expect(409);
    expect(again.body.code).toBe('ORDER_ALREADY_CANCELLED');
  });

  test('cancelling a rejected order -> 409 ORDER_REJECTED', async () => {
    const { orderId } = (await request(shop.url).post('/orders').send(order).expect(201)).body as { orderId: string };
    await shop.append(`order-${orderId}`, [
      { type: 'StockReservationRejected', data: { orderId, reasons: [{ sku: 'apple', requested: 3, available: 0 }] } },
    ]);
    const response = await request(shop.url).post(`/orders/${orderId}/cancel`).expect(409);
    expect(response.body.code).toBe('ORDER_REJECTED');
  });

  test('cancelling an unknown order -> 404', async () => {
    const response = await request(shop.url).post('/orders/00000000-0000-0000-0000-000000000000/cancel').expect(404);
    expect(response.body.code).toBe('NOT_FOUND');
  });

  test('cancelling with an id that cannot be an order id -> 400', async () => {
    await request(shop.url).post('/orders/not%20an%20id/cancel').expect(400);
  });

  test('cancelling with an invalid reason -> 400 naming body.reason', async () => {
    const { orderId } = (await request(shop.url).post('/orders').send(order).expect(201)).body as { orderId: string };
    const response = await request(shop.url).post(`/orders/${orderId}/cancel`).send({ reason: 42 }).expect(400);
    expect(response.body.errors[0].path).toBe('body.reason');
  });

  test('an unknown route -> 404', async () => {
    await request(shop.url).get('/nope').expect(404);
  });

  test('a body above the size limit -> 413', async () => {
    const huge = { ...order, customerId: 'x'.repeat(200 * 1024) };
    const response = await request(shop.url).post('/orders').send(huge).expect(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('order-create with API tokens', () => {
  let shop: Harness;

  beforeAll(async () => {
    shop = await startHarness(orderCreate, { drainTimeoutMs: DRAIN_MS, apiTokens: ['s3cret'] });
  });

  afterAll(() => shop?.close());

  test('no bearer token -> 401', async () => {
    const response = await request(shop.url).post('/orders').send(order).expect(401);
    expect(response.body.code).toBe('UNAUTHORIZED');
  });

  test('a wrong bearer token -> 401 invalid_token', async () => {
    const response = await request(shop.url).post('/orders').set('authorization', 'Bearer nope').send(order).expect(401);
    expect(response.headers['www-authenticate']).toContain('invalid_token');
  });

  test('the right bearer token -> 201', async () => {
    await request(shop.url).post('/orders').set('authorization', 'Bearer s3cret').send(order).expect(201);
  });
});
