import { join } from 'node:path';
import { type Emulator, startEmulator } from '@spillway/emulator';
import { type FunctionProcess, spawnFunctionProcess } from '@spillway/runtime';
import type { AccessEntry } from './access-log';
import { type Gateway, startGateway } from './start-gateway';

// Four function processes start on a loaded machine: bounded, not quick.
jest.setTimeout(120_000);

const fixture = (name: string) => join(__dirname, '..', '..', 'test', 'fixtures', name);
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('the gateway in front of real function processes', () => {
  let emulator: Emulator;
  const processes: FunctionProcess[] = [];
  let alpha: FunctionProcess;
  let betas: FunctionProcess[];
  let gateway: Gateway;
  const access: AccessEntry[] = [];

  const spawn = async (name: string): Promise<FunctionProcess> => {
    const running = spawnFunctionProcess(fixture(name), {
      name,
      port: 0,
      env: { ESDB_CONNECTION_STRING: emulator.connectionString, LOG_LEVEL: 'info', AUTH: 'none' },
    });
    processes.push(running);
    await running.ready(Date.now() + 60_000);
    return running;
  };
  const urlsOf = (list: () => readonly FunctionProcess[]) => () => list().map((p) => p.url()!);

  beforeAll(async () => {
    emulator = await startEmulator({ host: '127.0.0.1', port: 0, memory: true });
    [alpha, ...betas] = await Promise.all([spawn('alpha'), spawn('beta'), spawn('beta')]);
    gateway = await startGateway({
      port: 0,
      functions: [
        { name: 'alpha', replicaUrls: urlsOf(() => [alpha]) },
        { name: 'beta', replicaUrls: urlsOf(() => betas) },
      ],
      onAccess: (entry) => access.push(entry),
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all(processes.map((p) => p.stop({ graceMs: 5_000 })));
    await emulator?.close();
  });

  test('each method and path goes to the function that declared it', async () => {
    const one = await fetch(`${gateway.url}/things/t-1`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: 't-1', pid: alpha.child.pid });
    const list = await fetch(`${gateway.url}/things`);
    expect(betas.map((b) => b.child.pid)).toContain(((await list.json()) as { pid: number }).pid);
    const deleted = await fetch(`${gateway.url}/things/t-2`, { method: 'DELETE' });
    expect(await deleted.json()).toEqual({ deleted: 't-2' });
  });

  test('traceparent, Idempotency-Key and Authorization reach the function; x-request-id is added when absent', async () => {
    const answer = await fetch(`${gateway.url}/things/t-3`, {
      headers: { traceparent: TRACEPARENT, 'idempotency-key': 'key-1', authorization: 'Bearer secret' },
    });
    const { headers } = (await answer.json()) as { headers: Record<string, string | undefined> };
    expect(headers).toMatchObject({ traceparent: TRACEPARENT, 'idempotency-key': 'key-1', authorization: 'Bearer secret' });
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers.get('x-request-id')).toBe(headers['x-request-id']);
    expect(headers['x-forwarded-for']).toContain('127.0.0.1');
    expect(headers['x-forwarded-host']).toBe(new URL(gateway.url).host);

    const kept = await fetch(`${gateway.url}/things/t-4`, { headers: { 'x-request-id': 'my-request' } });
    expect(((await kept.json()) as { headers: Record<string, string> }).headers['x-request-id']).toBe('my-request');
    expect(kept.headers.get('x-request-id')).toBe('my-request');
  });

  test('a Location pointing at the replica is rewritten to the gateway', async () => {
    const created = await fetch(`${gateway.url}/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'n-1' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${gateway.url}/things/n-1`);
    // And it answers there.
    expect(((await fetch(created.headers.get('location')!).then((r) => r.json())) as { id: string }).id).toBe('n-1');
  });

  test('requests are balanced over the ready replicas', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 10; i++) pids.add(((await fetch(`${gateway.url}/things`).then((r) => r.json())) as { pid: number }).pid);
    expect([...pids].sort()).toEqual(betas.map((b) => b.child.pid).sort());
  });

  test('GET /openapi.json is the merged document of every function', async () => {
    const doc = (await fetch(`${gateway.url}/openapi.json`).then((r) => r.json())) as {
      paths: Record<string, Record<string, { tags: string[] }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths).sort()).toEqual(['/things', '/things/{id}']);
    expect(doc.paths['/things']!['post']!.tags).toEqual(['alpha']);
    expect(doc.paths['/things']!['get']!.tags).toEqual(['beta']);
    expect(doc.paths['/things/{id}']!['delete']!.tags).toEqual(['beta']);
    expect(doc.components.schemas).toHaveProperty('Problem');
  });

  test('an unknown path is 404 and a known path with another method is 405, both problem+json', async () => {
    const missing = await fetch(`${gateway.url}/nothing/here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(await missing.json()).toMatchObject({ code: 'NO_SUCH_ROUTE', status: 404 });
    const wrong = await fetch(`${gateway.url}/things`, { method: 'PUT' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
  });

  test('one access log line per request, naming the function and replica', async () => {
    const before = access.length;
    await fetch(`${gateway.url}/things/t-9`, { headers: { 'x-request-id': 'logged-request' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(access.slice(before)).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: '/things/t-9',
        status: 200,
        fn: 'alpha',
        replica: alpha.url(),
        requestId: 'logged-request',
      }),
    ]);
  });

  test('a stopped replica gets no request; with none ready the answer is 503 with Retry-After', async () => {
    await betas[1]!.stop({ graceMs: 5_000 });
    // The tracker has not probed since: the refused connection is retried on the replica still running.
    for (let i = 0; i < 4; i++) expect((await fetch(`${gateway.url}/things`)).status).toBe(200);
    await betas[0]!.stop({ graceMs: 5_000 });
    const refused = await fetch(`${gateway.url}/things`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({ code: 'NO_READY_REPLICA', detail: expect.stringContaining('beta') });
    // The other function still answers.
    expect((await fetch(`${gateway.url}/things/t-5`)).status).toBe(200);
  });

  test('two functions declaring the same method and path stop the gateway from starting, naming both', async () => {
    const clash = await spawn('clash');
    await expect(
      startGateway({
        port: 0,
        functions: [
          { name: 'alpha', replicaUrls: () => [alpha.url()!] },
          { name: 'clash', replicaUrls: () => [clash.url()!] },
        ],
      }),
    ).rejects.toThrow(/GET \/things\/\{thingId\} is declared by both alpha and clash/);
  });
});
