import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { type Emulator, startEmulator } from '@spillway/emulator';
import { type FunctionProcess, spawnFunctionProcess } from '@spillway/runtime';
import { QUARANTINE_STREAM as RUNTIME_QUARANTINE_STREAM } from '@spillway/runtime/streams';
import { Client } from 'pg';
import type { ConsoleFunction, GroupMeasurement } from '../api/console-function';
import { QUARANTINE_STREAM } from '../api/quarantine';
import { type Gateway, startGateway } from '../gateway/start-gateway';
import { type RunningConsole, startConsole } from './start-console';

// A function process and an emulator on a loaded machine: bounded, not quick.
jest.setTimeout(120_000);

const fixture = (name: string) => join(__dirname, '..', '..', 'test', 'fixtures', name);
// The PostgreSQL the tests use (its `test` database exists); delta's read model gets a scratch database of its own.
const TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function admin(sql: string): Promise<void> {
  const pg = new Client({ connectionString: TEST_POSTGRES_URL });
  await pg.connect();
  try {
    await pg.query(sql);
  } finally {
    await pg.end();
  }
}

/** Where the host has no autoscaler tick, the console asks the function to measure: here, from GetInfo alone. */
async function measureFromGetInfo(client: EventStoreDBClient, group: string): Promise<GroupMeasurement> {
  const { stats, connections } = await client.getPersistentSubscriptionToAllInfo(group);
  return {
    lag: 0,
    capped: false,
    inFlight: stats.totalInFlightMessages,
    parked: Number(stats.parkedMessageCount),
    consumers: connections.length,
    processedTotal: Number(stats.totalItems),
  };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Problem {
  status: number;
  code: string;
  detail: string;
}

describe('the console API over a real function, gateway and emulator', () => {
  let emulator: Emulator;
  let client: EventStoreDBClient;
  let gamma: FunctionProcess;
  let delta: FunctionProcess;
  let database: string;
  let gateway: Gateway;
  let running: RunningConsole;
  let api: string;

  const get = async <T>(path: string): Promise<{ status: number; type: string | null; body: T }> => {
    const response = await fetch(`${api}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as T };
  };

  beforeAll(async () => {
    emulator = await startEmulator({ host: '127.0.0.1', port: 0, memory: true });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
    database = `spillway_console_${randomBytes(6).toString('hex')}`;
    await admin(`CREATE DATABASE ${database}`);
    const env = { ESDB_CONNECTION_STRING: emulator.connectionString, LOG_LEVEL: 'info', AUTH: 'none' };
    gamma = spawnFunctionProcess(fixture('gamma'), { name: 'gamma', port: 0, env });
    delta = spawnFunctionProcess(fixture('delta'), {
      name: 'delta',
      port: 0,
      env: { ...env, DATABASE_URL: TEST_POSTGRES_URL.replace(/\/test$/, `/${database}`) },
    });
    await Promise.all([gamma.ready(Date.now() + 60_000), delta.ready(Date.now() + 60_000)]);
    const urls = (fn: FunctionProcess) => () => (fn.isRunning() ? [fn.url()!] : []);
    gateway = await startGateway({
      port: 0,
      functions: [
        { name: 'gamma', replicaUrls: urls(gamma) },
        { name: 'delta', replicaUrls: urls(delta) },
      ],
    });
    const functions: ConsoleFunction[] = [
      {
        name: 'gamma',
        subscription: { source: '$all', group: 'gamma' },
        scaling: { minReplicas: 1, maxReplicas: 1 },
        measure: (c) => measureFromGetInfo(c, 'gamma'),
      },
      { name: 'delta', subscription: { source: '$all', group: 'delta' }, readModel: true, measure: (c) => measureFromGetInfo(c, 'delta') },
    ];
    running = await startConsole({ gateway, client, functions, sampleIntervalMs: 500 });
    api = `${gateway.url}/console/api`;
  });

  afterAll(async () => {
    await running?.close();
    await gateway?.close();
    await gamma?.stop({ graceMs: 5_000 });
    await delta?.stop({ graceMs: 5_000 });
    await client?.dispose();
    await emulator?.close();
    if (database) await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  test('GET /functions: each function with its replicas, readiness, routes and its group lag', async () => {
    const fn = await eventually('gamma sampled with its group', async () => {
      const { body } = await get<{ functions: Record<string, unknown>[] }>('/functions');
      const found = body.functions[0] as { subscription?: { lag?: number; consumers?: number } } | undefined;
      return found?.subscription?.consumers === 1 ? found : undefined;
    });
    expect(fn).toMatchObject({
      name: 'gamma',
      ready: true,
      readyReplicas: 1,
      replicaCount: 1,
      replicas: [{ url: gamma.url(), ready: true }],
      routes: [
        { method: 'POST', path: '/gammas' },
        { method: 'GET', path: '/gammas/{id}' },
      ],
      subscription: { source: '$all', group: 'gamma', lag: 0, parked: 0, consumers: 1 },
      scaling: { minReplicas: 1, maxReplicas: 1 },
    });
    expect(fn).not.toHaveProperty('readModel');
    expect(Array.isArray((fn as { history: unknown[] }).history)).toBe(true);
  });

  test("read models: the projector's serving version in GET /functions, its full status (and a rebuild's) in GET /read-models", async () => {
    const projector = await eventually('delta sampled with its read model', async () => {
      const { body } = await get<{ functions: { name: string; readModel?: { serving?: { label: string } } }[] }>('/functions');
      const found = body.functions.find((f) => f.name === 'delta');
      return found?.readModel?.serving ? found : undefined;
    });
    expect(projector.readModel).toEqual({ declaredVersion: 1, serving: { label: 'v1', version: 1 }, builds: [] });

    // A rebuild beside the live version: the console follows it until it has switched.
    const rebuild = await fetch(`${delta.url()}/read-model/rebuild`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(rebuild.status).toBe(202);
    type Answer = {
      readModels: {
        function: string;
        replica?: string;
        status?: { serving?: { label: string }; generations: { label: string; state: string }[] };
      }[];
    };
    const rebuilt = await eventually('the rebuild to switch', async () => {
      const { body } = await get<Answer>('/read-models');
      const status = body.readModels[0]?.status;
      return status?.serving?.label === 'v1b' ? body : undefined;
    });
    expect(rebuilt.readModels).toEqual([
      {
        function: 'delta',
        replica: delta.url(),
        status: expect.objectContaining({
          function: 'delta',
          generations: expect.arrayContaining([
            expect.objectContaining({ label: 'v1', state: 'retired' }),
            expect.objectContaining({ label: 'v1b', state: 'live' }),
          ]),
        }),
      },
    ]);
  });

  test('GET /quarantine: an invalid event a fold skipped, with its stream, reason and the function that found it', async () => {
    expect(QUARANTINE_STREAM).toBe(RUNTIME_QUARANTINE_STREAM);
    const none = await get<{ total: number; quarantined: unknown[] }>('/quarantine');
    expect(none.body).toEqual({ total: 0, quarantined: [] });

    await client.appendToStream('gamma-q-1', [
      jsonEvent({ type: 'GammaCreated', data: { id: 'q-1' } }),
      jsonEvent({ type: 'GammaCreated', data: { id: 42 } }),
    ]);
    const read = await fetch(`${gateway.url}/gammas/q-1`);
    expect(await read.json()).toEqual({ created: 1 });
    const { status, body } = await get<{ total: number; quarantined: Record<string, string>[] }>('/quarantine?limit=5');
    expect(status).toBe(200);
    expect(body.total).toBe(1);
    expect(body.quarantined).toEqual([
      expect.objectContaining({
        stream: 'gamma-q-1',
        streamRevision: '1',
        type: 'GammaCreated',
        fn: 'gamma',
        reason: expect.stringContaining('id'),
      }),
    ]);
  });

  test('GET /about: what the page adapts to', async () => {
    const { body } = await get<Record<string, unknown>>('/about');
    expect(body).toEqual({ host: 'spillway dev', allowReplay: true, gateway: true });
  });

  test('GET /subscriptions: every group with its GetInfo fields', async () => {
    const { status, body } = await get<{ subscriptions: { eventSource: string; groupName: string }[] }>('/subscriptions');
    expect(status).toBe(200);
    expect(body.subscriptions).toContainEqual(
      expect.objectContaining({
        eventSource: '$all',
        groupName: 'gamma',
        status: expect.any(String),
        settings: expect.objectContaining({ maxRetryCount: expect.any(Number) }),
        stats: expect.objectContaining({ parkedMessageCount: expect.any(String), totalItems: expect.any(String) }),
      }),
    );
    const names = body.subscriptions.map((s) => `${s.eventSource}::${s.groupName}`);
    expect(names).toEqual([...names].sort());
  });

  test('a command through the gateway: its stream paged, $all newest first, and its correlation across two streams', async () => {
    const created = await fetch(`${gateway.url}/gammas`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'g-1' }),
    });
    expect(created.status).toBe(201);
    const correlationId = created.headers.get('x-correlation-id')!;
    const correlation = await eventually('the handler to answer in the same correlation', async () => {
      const { body } = await get<{ events: { stream: string; type: string }[]; streams: string[]; complete: boolean }>(
        `/correlation/${correlationId}`,
      );
      return body.events.length >= 2 ? body : undefined;
    });
    expect(correlation.events.map((e) => `${e.type}@${e.stream}`)).toEqual(['GammaCreated@gamma-g-1', 'GammaHandled@gamma-done-g-1']);
    expect(correlation.streams).toEqual(['gamma-g-1', 'gamma-done-g-1']);
    expect(correlation.complete).toBe(true);

    await client.appendToStream(
      'gamma-many',
      [1, 2, 3].map(() => jsonEvent({ type: 'GammaHandled', data: { id: 'many' } })),
    );
    const first = await get<{ events: { revision: string; data: unknown; metadata: unknown }[]; next?: string }>(
      '/streams/gamma-many?from=0&limit=2',
    );
    expect(first.body.events.map((e) => e.revision)).toEqual(['0', '1']);
    expect(first.body.events[0]!.data).toEqual({ id: 'many' });
    expect(first.body.next).toBe('2');
    const last = await get<{ events: { revision: string }[]; next?: string }>(`/streams/gamma-many?from=${first.body.next}&limit=2`);
    expect(last.body.events.map((e) => e.revision)).toEqual(['2']);
    expect(last.body.next).toBeUndefined();

    const all = await get<{ events: { stream: string; position: { commit: string } }[] }>('/all?limit=3');
    expect(all.body.events.map((e) => e.stream)).toEqual(['gamma-many', 'gamma-many', 'gamma-many']);
    const commits = all.body.events.map((e) => BigInt(e.position.commit));
    expect(commits[0]! > commits[2]!).toBe(true);
  });

  test('a poison event is parked, listed with its reason, and replayed (delivered and parked again)', async () => {
    await client.appendToStream('gamma-poison', jsonEvent({ type: 'Poison', data: {} }));
    type Parked = { parked: { parkedRevision: string; reason?: string; event?: { type: string; stream: string } }[] };
    const parked = await eventually('the poison event to be parked', async () => {
      const { body } = await get<Parked>('/parked/gamma');
      return body.parked.find((p) => p.event?.stream === 'gamma-poison');
    });
    expect(parked).toMatchObject({
      reason: expect.stringContaining('poison cannot be handled'),
      event: { type: 'Poison', stream: 'gamma-poison' },
    });

    const replay = await fetch(`${api}/parked/gamma/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ group: 'gamma', source: '$all', replaying: true });
    // Replayed, the handler fails again, so it is parked again: a new entry in the parked stream.
    const again = await eventually('the replayed event to be parked again', async () => {
      const { body } = await get<Parked>('/parked/gamma');
      const entry = body.parked.find((p) => p.event?.stream === 'gamma-poison' && BigInt(p.parkedRevision) > BigInt(parked.parkedRevision));
      return entry;
    });
    expect(again.event?.type).toBe('Poison');
  });

  test('the live feed (SSE) sends function samples and each new event', async () => {
    const abort = new AbortController();
    const response = await fetch(`${api}/live`, { signal: abort.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    const read = async (until: (t: string) => boolean) => {
      const deadline = Date.now() + 30_000;
      while (!until(text) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
    };
    await read((t) => t.includes('event: functions'));
    expect(text).toContain('"name":"gamma"');
    // The shared $all subscription starts with the first page; give it a moment to be live.
    await new Promise((r) => setTimeout(r, 500));
    await client.appendToStream('gamma-live', jsonEvent({ type: 'GammaHandled', data: { id: 'live' } }));
    await read((t) => t.includes('"stream":"gamma-live"'));
    expect(text).toMatch(/event: event\ndata: \{[^\n]*"stream":"gamma-live"/);
    abort.abort();
  });

  test.each([
    { name: 'a negative from', path: '/streams/gamma-many?from=-1', status: 400 },
    { name: 'a from that is not a number', path: '/streams/gamma-many?from=abc', status: 400 },
    { name: 'a limit of 0', path: '/streams/gamma-many?limit=0', status: 400 },
    { name: 'a limit over 500', path: '/all?limit=501', status: 400 },
    { name: 'a limit that is not a number', path: '/all?limit=ten', status: 400 },
    { name: 'a stream name with a control character', path: '/streams/bad%01name', status: 400 },
    { name: 'a stream that does not exist', path: '/streams/gamma-nothing', status: 404 },
    { name: 'a group that does not exist', path: '/parked/nobody', status: 404 },
    { name: 'a parked limit that is not a number', path: '/parked/gamma?limit=x', status: 400 },
    { name: 'a quarantine limit over 500', path: '/quarantine?limit=501', status: 400 },
    { name: 'an unknown API path', path: '/nothing', status: 404 },
  ])('$name is a $status problem', async ({ path, status }) => {
    const answer = await get<Problem>(path);
    expect(answer.status).toBe(status);
    expect(answer.type).toContain('application/problem+json');
    expect(answer.body.status).toBe(status);
    expect(answer.body.detail.length).toBeGreaterThan(0);
  });

  test('replaying an unknown group is 404; a read-only console refuses to replay', async () => {
    expect((await fetch(`${api}/parked/nobody/replay`, { method: 'POST' })).status).toBe(404);
    const readOnlyGateway = await startGateway({ port: 0, functions: [{ name: 'gamma', replicaUrls: () => [gamma.url()!] }] });
    const readOnly = await startConsole({ gateway: readOnlyGateway, client, functions: [], allowReplay: false });
    try {
      const refused = await fetch(`${readOnlyGateway.url}/console/api/parked/gamma/replay`, { method: 'POST' });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'READ_ONLY' });
    } finally {
      await readOnly.close();
      await readOnlyGateway.close();
    }
  });

  test('the console page and its bundled assets are served by the gateway, with no outside URL', async () => {
    const page = await fetch(`${gateway.url}/console`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('/console/assets/main.js');
    const script = await fetch(`${gateway.url}/console/assets/main.js`);
    expect(script.status).toBe(200);
    const code = await script.text();
    expect(code.length).toBeGreaterThan(10_000);
    expect(html + code).not.toMatch(/https?:\/\/(cdn|unpkg|esm\.sh|cdnjs)/);
    expect((await fetch(`${gateway.url}/console/assets/main.css`)).status).toBe(200);
  });
});
