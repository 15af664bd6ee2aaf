import type { AddressInfo } from 'node:net';
import { EventStoreDBClient } from '@eventstore/db-client';
import pino from 'pino';
import { defineFunction } from '../contract/define-function';
import { createMetrics } from '../observability/metrics';
import { createApp } from './create-app';

// Requests to /slow wait here until the test opens the gate.
let openGate: () => void = () => {};
let gate = Promise.resolve();
function closeGate() {
  gate = new Promise((resolve) => {
    openGate = resolve;
  });
}

const fn = defineFunction({
  name: 'limit-test',
  routes: [
    {
      method: 'GET',
      path: '/slow',
      async handle() {
        await gate;
        return { status: 200, body: { ok: true } };
      },
    },
  ],
});

// Never dialled: the route does not touch the event store, and the client connects lazily.
const client = EventStoreDBClient.connectionString('esdb://127.0.0.1:1?tls=false');

describe('the in-flight limit on a function route', () => {
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const app = createApp({
      definition: fn,
      client,
      log: pino({ level: 'silent' }),
      metrics: createMetrics(fn.name),
      apiTokens: [],
      bodyLimitBytes: 1024,
      maxInFlight: 2,
      readiness: { notReadyReasons: async () => [] },
      deps: () => undefined,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });

  afterAll(async () => {
    openGate();
    await close();
    await client.dispose();
  });

  test('past the limit a request is refused at once with 503 problem+json and Retry-After; health stays up; a freed slot is taken again', async () => {
    closeGate();
    const held = [fetch(`${url}/slow`), fetch(`${url}/slow`)];
    // The two held requests are in progress once a third is refused: poll until it is.
    let refused: Response | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const probe = await fetch(`${url}/slow`, { signal: AbortSignal.timeout(100) }).catch(() => undefined);
      if (probe?.status === 503) refused = probe;
      else if (!probe) await new Promise((r) => setTimeout(r, 20));
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(refused?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused?.json()).toMatchObject({ status: 503, code: 'OVERLOADED' });
    // Health is outside the limit: an overloaded replica is still live.
    expect((await fetch(`${url}/livez`)).status).toBe(200);

    openGate();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect((await fetch(`${url}/slow`)).status).toBe(200);
  });
});
