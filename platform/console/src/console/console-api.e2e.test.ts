import { join } from 'node:path';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { type Emulator, startEmulator } from '@spillway/emulator';
import { type FunctionProcess, spawnFunctionProcess } from '@spillway/runtime';
import { type Gateway, startGateway } from '../gateway/start-gateway';
import { type RunningConsole, startConsole } from './start-console';

// A function process and an emulator on a loaded machine: bounded, not quick.
jest.setTimeout(120_000);

const fixture = join(__dirname, '..', '..', 'test', 'fixtures', 'gamma');

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
    gamma = spawnFunctionProcess(fixture, {
      name: 'gamma',
      port: 0,
      env: { ESDB_CONNECTION_STRING: emulator.connectionString, LOG_LEVEL: 'info', AUTH: 'none' },
    });
    await gamma.ready(Date.now() + 60_000);
    gateway = await startGateway({ port: 0, functions: [{ name: 'gamma', replicaUrls: () => (gamma.isRunning() ? [gamma.url()!] : []) }] });
    running = await startConsole({
      gateway,
      client,
      functions: [{ name: 'gamma', subscription: { source: '$all', group: 'gamma' }, scaling: { minReplicas: 1, maxReplicas: 1 } }],
      sampleIntervalMs: 500,
    });
    api = `${gateway.url}/console/api`;
  });

  afterAll(async () => {
    await running?.close();
    await gateway?.close();
    await gamma?.stop({ graceMs: 5_000 });
    await client?.dispose();
    await emulator?.close();
  });

  test('GET /functions: each function with its replicas, readiness, routes and its group lag', async () => {
    const fn = await eventually('gamma sampled with its group', async () => {
      const { body } = await get<{ functions: Record<string, unknown>[] }>('/functions');
      const found = body.functions[0] as { subscription?: { lag?: number } } | undefined;
      return found?.subscription?.lag !== undefined ? found : undefined;
    });
    expect(fn).toMatchObject({
      name: 'gamma',
      ready: true,
      readyReplicas: 1,
      replicas: [{ url: gamma.url(), ready: true }],
      routes: [{ method: 'POST', path: '/gammas' }],
      subscription: { source: '$all', group: 'gamma', lag: 0, parked: 0 },
      scaling: { minReplicas: 1, maxReplicas: 1 },
    });
    expect(Array.isArray((fn as { history: unknown[] }).history)).toBe(true);
  });

  test('GET /subscriptions: every group with its GetInfo fields', async () => {
    const { status, body } = await get<{ subscriptions: Record<string, unknown>[] }>('/subscriptions');
    expect(status).toBe(200);
    expect(body.subscriptions).toEqual([
      expect.objectContaining({
        eventSource: '$all',
        groupName: 'gamma',
        status: expect.any(String),
        settings: expect.objectContaining({ maxRetryCount: expect.any(Number) }),
        stats: expect.objectContaining({ parkedMessageCount: expect.any(String), totalItems: expect.any(String) }),
      }),
    ]);
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
      return body.parked.length === 1 ? body.parked[0] : undefined;
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
