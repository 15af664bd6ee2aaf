import { EventStoreDBClient } from '@eventstore/db-client';
import type { Logger } from 'pino';
import pino from 'pino';
import request from 'supertest';
import { z } from 'zod';
import { ownGetters } from '../../test/own-getters';
import { defineFunction, type EventSchemas, type FunctionDefinition } from '../contract/define-function';
import { BusinessRuleError, NotFoundError } from '../errors/errors';
import { createMetrics } from '../observability/metrics';
import { createApp } from './create-app';

const CreateOrder = z.object({ sku: z.string().min(1), qty: z.number().int().positive() });

const fn = defineFunction({
  name: 'orders-test',
  routes: [
    {
      method: 'POST',
      path: '/orders',
      summary: 'Create an order',
      body: CreateOrder,
      async handle(req, ctx) {
        if (req.body.sku === 'GONE') throw new BusinessRuleError('SKU_DISCONTINUED', 'this product is no longer sold');
        return { status: 201, body: { id: ctx.eventStore.eventId('order'), qty: req.body.qty, key: req.idempotencyKey ?? null } };
      },
    },
    {
      method: 'GET',
      path: '/orders/:id',
      query: z.object({ verbose: z.enum(['yes', 'no']).optional() }),
      async handle(req) {
        if (req.params.id === 'missing') throw new NotFoundError(`no order '${req.params.id}'`);
        return { status: 200, body: { id: req.params.id, verbose: req.query.verbose ?? 'no' } };
      },
    },
  ],
});

// Never dialled: these routes do not touch the event store, and the client connects lazily.
const client = EventStoreDBClient.connectionString('esdb://127.0.0.1:1?tls=false');
afterAll(() => client.dispose());

function app(
  options: { tokens?: string[]; reasons?: string[]; definition?: FunctionDefinition<EventSchemas, undefined>; log?: Logger } = {},
) {
  const definition = options.definition ?? fn;
  return createApp({
    definition,
    client,
    log: options.log ?? pino({ level: 'silent' }),
    metrics: createMetrics(definition.name),
    apiTokens: options.tokens ?? [],
    bodyLimitBytes: 1024,
    readiness: { notReadyReasons: async () => options.reasons ?? [] },
    deps: () => undefined,
  });
}

function expectProblem(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: expect.stringMatching(/^https:\/\/spillway\.dev\/problems\//) });
}

describe('HTTP ingress', () => {
  test('a valid command reaches the handler', async () => {
    const res = await request(app()).post('/orders').send({ sku: 'A', qty: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ qty: 2, key: null });
  });

  test('the same Idempotency-Key derives the same ids; another key does not', async () => {
    const server = app();
    const first = await request(server).post('/orders').set('Idempotency-Key', 'k-1').send({ sku: 'A', qty: 1 });
    const again = await request(server).post('/orders').set('Idempotency-Key', 'k-1').send({ sku: 'A', qty: 1 });
    const other = await request(server).post('/orders').set('Idempotency-Key', 'k-2').send({ sku: 'A', qty: 1 });
    expect(first.body.id).toBe(again.body.id);
    expect(other.body.id).not.toBe(first.body.id);
    expect(first.body.key).toBe('k-1');
  });

  test('a sane x-correlation-id is echoed back; an unreasonable one is replaced', async () => {
    const kept = await request(app()).post('/orders').set('x-correlation-id', 'corr-42').send({ sku: 'A', qty: 1 });
    expect(kept.headers['x-correlation-id']).toBe('corr-42');
    const replaced = await request(app()).post('/orders').set('x-correlation-id', 'x'.repeat(1000)).send({ sku: 'A', qty: 1 });
    expect(replaced.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('malformed JSON is a 400 problem', async () => {
    const res = await request(app()).post('/orders').set('Content-Type', 'application/json').send('{"sku": ');
    expectProblem(res, 400, 'MALFORMED_JSON');
  });

  test('wrong types are a 400 problem naming each field', async () => {
    const res = await request(app()).post('/orders').send({ sku: 5, qty: 'two' });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.qty', 'body.sku']);
  });

  test('a body over the limit is a 413 problem', async () => {
    const res = await request(app())
      .post('/orders')
      .send({ sku: 'x'.repeat(4096), qty: 1 });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  test('a non-JSON body is a 415 problem', async () => {
    const res = await request(app()).post('/orders').set('Content-Type', 'text/plain').send('sku=A');
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test.each([
    { name: 'utf-16', contentType: 'application/json; charset=utf-16' },
    { name: 'UTF-16LE in quotes', contentType: 'application/json; charset="UTF-16LE"' },
    { name: 'latin1', contentType: 'application/json; charset=iso-8859-1' },
    { name: 'an empty charset', contentType: 'application/json; charset=' },
    { name: 'utf8 (not a registered name)', contentType: 'application/json; charset=utf8' },
  ])('a JSON body labelled $name is a 415 problem (JSON is UTF-8)', async ({ contentType }) => {
    const res = await request(app())
      .post('/orders')
      .set('Content-Type', contentType)
      .send(JSON.stringify({ sku: 'A', qty: 1 }));
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(res.body.detail).toMatch(/must be UTF-8/);
  });

  test.each([
    { name: 'charset=utf-8', contentType: 'application/json; charset=utf-8' },
    { name: 'charset=UTF-8', contentType: 'application/json; charset=UTF-8' },
    { name: 'no charset', contentType: 'application/json' },
  ])('a JSON body with $name is read', async ({ contentType }) => {
    const res = await request(app())
      .post('/orders')
      .set('Content-Type', contentType)
      .send(JSON.stringify({ sku: 'A', qty: 1 }));
    expect(res.status).toBeLessThan(300);
  });

  test('a path that is not valid percent-encoding is a 400 problem, not a 500', async () => {
    expectProblem(await request(app()).get('/orders/%E0%A4%A'), 400, 'MALFORMED_URL');
  });

  test('a body that does not match its Content-Encoding is a 400 problem, not a 500', async () => {
    const res = await request(app())
      .post('/orders')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send(JSON.stringify({ sku: 'A', qty: 1 }));
    expectProblem(res, 400, 'BAD_REQUEST_BODY');
  });

  test('an unknown Content-Encoding is a 415 problem', async () => {
    const res = await request(app())
      .post('/orders')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'compress')
      .send(JSON.stringify({ sku: 'A', qty: 1 }));
    expectProblem(res, 415, 'BAD_REQUEST_BODY');
  });

  test('an invalid Idempotency-Key is a 400 problem', async () => {
    const res = await request(app()).post('/orders').set('Idempotency-Key', 'x'.repeat(300)).send({ sku: 'A', qty: 1 });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  test('a broken business rule is a 422 problem with its code', async () => {
    const res = await request(app()).post('/orders').send({ sku: 'GONE', qty: 1 });
    expectProblem(res, 422, 'SKU_DISCONTINUED');
    expect(res.body.detail).toBe('this product is no longer sold');
  });

  test('path params and validated query reach a query route; NotFoundError is a 404', async () => {
    const ok = await request(app()).get('/orders/7?verbose=yes');
    expect(ok.body).toEqual({ id: '7', verbose: 'yes' });
    expectProblem(await request(app()).get('/orders/7?verbose=maybe'), 400, 'VALIDATION_FAILED');
    expectProblem(await request(app()).get('/orders/missing'), 404, 'NOT_FOUND');
  });

  test('an unknown route is a 404 problem', async () => {
    expectProblem(await request(app()).get('/nope'), 404, 'NO_SUCH_ROUTE');
  });

  test('security headers are set and x-powered-by is not', async () => {
    const res = await request(app()).get('/livez');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('bearer auth when API_TOKENS is set', () => {
  const secured = () => app({ tokens: ['s3cret', 'other'] });

  test('no token is a 401 problem with WWW-Authenticate', async () => {
    const res = await request(secured()).post('/orders').send({ sku: 'A', qty: 1 });
    expectProblem(res, 401, 'UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  test('a wrong token is a 401 problem', async () => {
    const res = await request(secured()).post('/orders').set('Authorization', 'Bearer s3cre').send({ sku: 'A', qty: 1 });
    expectProblem(res, 401, 'UNAUTHORIZED');
  });

  test('any listed token passes', async () => {
    const res = await request(secured()).post('/orders').set('Authorization', 'Bearer other').send({ sku: 'A', qty: 1 });
    expect(res.status).toBe(201);
  });

  test('health, metrics and the OpenAPI document stay open', async () => {
    for (const path of ['/livez', '/readyz', '/metrics', '/openapi.json']) {
      expect((await request(secured()).get(path)).status).toBe(200);
    }
  });
});

describe('operational endpoints', () => {
  test('/readyz is 503 with the reasons while not ready', async () => {
    const res = await request(app({ reasons: ['subscription not live'] })).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'not ready', reasons: ['subscription not live'] });
  });

  test('/metrics counts requests by declared route and status', async () => {
    const server = app();
    await request(server).get('/orders/1');
    await request(server).get('/orders/2');
    const text = (await request(server).get('/metrics')).text;
    expect(text).toMatch(/spillway_http_requests_total\{method="GET",route="\/orders\/:id",status="200",fn="orders-test"\} 2/);
    expect(text).toContain('process_cpu_seconds_total');
  });

  test('each request is logged with method, declared route and status; health checks are not', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const server = createApp({
      definition: fn,
      client,
      log,
      metrics: createMetrics(fn.name),
      apiTokens: [],
      bodyLimitBytes: 1024,
      readiness: { notReadyReasons: async () => [] },
      deps: () => undefined,
    });
    await request(server).get('/orders/9');
    await request(server).get('/livez');
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'GET', url: '/orders/9', route: '/orders/:id', status: 200 });
  });

  test('/openapi.json describes each route from its zod schemas', async () => {
    const doc = (await request(app({ tokens: ['t'] })).get('/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    const post = doc.paths['/orders'].post;
    expect(post.summary).toBe('Create an order');
    expect(post.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['sku', 'qty'],
      properties: { sku: { type: 'string', minLength: 1 }, qty: { type: 'integer' } },
    });
    expect(post.security).toEqual([{ bearer: [] }]);
    const get = doc.paths['/orders/{id}'].get;
    expect(get.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'id', in: 'path', required: true }),
        expect.objectContaining({ name: 'verbose', in: 'query', required: false }),
      ]),
    );
  });
});

describe('what a route reads of its request, built on first use', () => {
  const lines: Record<string, unknown>[] = [];
  // Every request and context the route was handed, in order.
  const handedOver: object[] = [];
  const echo = defineFunction({
    name: 'echo-test',
    routes: [
      {
        method: 'GET',
        path: '/echo',
        async handle(req, ctx) {
          handedOver.push(req, ctx);
          ctx.log.info({ tenant: req.headers['x-tenant'] }, 'echoing');
          return { status: 200, body: { tenant: req.headers['x-tenant'] ?? null, accept: req.headers.accept ?? null } };
        },
      },
    ],
  });
  const server = app({ definition: echo, log: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) }) });

  test("headers are the request's headers", async () => {
    const res = await request(server).get('/echo').set('x-tenant', 'acme').set('accept', 'application/json');
    expect(res.body).toEqual({ tenant: 'acme', accept: 'application/json' });
  });

  test('a route gets its request and context as instances with shared getters, not literals with getters of their own', async () => {
    // V8 gives an object literal with getters a map of its own each time, and what the getters reach then
    // survives minor GCs (runtime README, Performance); getters on a shared prototype do not.
    handedOver.length = 0;
    await request(server).get('/echo').set('x-tenant', 'a').expect(200, { tenant: 'a', accept: null });
    await request(server).get('/echo').set('x-tenant', 'b').expect(200, { tenant: 'b', accept: null });
    const [req1, ctx1, req2, ctx2] = handedOver;
    for (const o of handedOver) expect(ownGetters(o)).toEqual([]);
    expect(Object.getPrototypeOf(req1)).toBe(Object.getPrototypeOf(req2));
    expect(Object.getPrototypeOf(ctx1)).toBe(Object.getPrototypeOf(ctx2));
    expect(Object.getPrototypeOf(req1)).not.toBe(Object.prototype);
    expect(Object.getPrototypeOf(ctx1)).not.toBe(Object.prototype);
  });

  test("ctx.log carries the request's correlation and request ids", async () => {
    lines.length = 0;
    await request(server).get('/echo').set('x-correlation-id', 'corr-7').set('x-tenant', 'acme').expect(200);
    expect(lines.find((line) => line.msg === 'echoing')).toMatchObject({ correlationId: 'corr-7', tenant: 'acme' });
    expect(lines.find((line) => line.msg === 'echoing')?.requestId).toEqual(expect.any(String));
  });
});
