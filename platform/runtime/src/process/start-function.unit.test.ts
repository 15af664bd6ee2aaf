import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { ConfigError } from '../config';
import { defineFunction } from '../contract/define-function';
import { startFunction } from './start-function';

// A port nothing listens on: take a free one and release it.
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('startFunction without a reachable EventStoreDB', () => {
  test('serves /livez, reports not ready with the reason, runs init and shutdown, and closes', async () => {
    const calls: string[] = [];
    const lines: string[] = [];
    const fn = defineFunction({
      name: 'lonely',
      async init(ctx) {
        calls.push(`init:${ctx.env.GREETING}`);
        return { opened: true };
      },
      async shutdown(deps) {
        calls.push(`shutdown:${deps.opened}`);
      },
      routes: [{ method: 'GET', path: '/hello', handle: async () => ({ status: 200, body: { hello: 'world' } }) }],
    });
    const running = await startFunction(fn, {
      port: 0,
      host: '127.0.0.1',
      esdbConnectionString: `esdb://127.0.0.1:${await deadPort()}?tls=false`,
      env: { GREETING: 'hi' },
      logLevel: 'info',
      logDestination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    try {
      expect((await fetch(`${running.url}/livez`)).status).toBe(200);
      expect(await (await fetch(`${running.url}/hello`)).json()).toEqual({ hello: 'world' });
      const readyz = await fetch(`${running.url}/readyz`);
      expect(readyz.status).toBe(503);
      expect(((await readyz.json()) as { reasons: string[] }).reasons).toEqual(['EventStoreDB unreachable']);
    } finally {
      await running.close();
    }
    expect(calls).toEqual(['init:hi', 'shutdown:true']);
    const entries = lines.map((line) => JSON.parse(line));
    const started = entries.find((entry) => entry.msg === 'function started');
    expect(started).toMatchObject({ fn: 'lonely', level: 30 });
    // No tokens given: the routes are open, and the process says so.
    expect(entries.find((entry) => String(entry.msg).startsWith('authentication is off'))).toMatchObject({ level: 40 });
    expect(await running.metrics.registry.getSingleMetricAsString('spillway_auth_disabled')).toMatch(/spillway_auth_disabled\{[^}]*\} 1$/m);
    await expect(fetch(`${running.url}/livez`)).rejects.toThrow();
  });

  test('an EventStoreDB that accepts connections but never answers is reported unreachable, not waited for', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const running = await startFunction(defineFunction({ name: 'mute' }), {
      port: 0,
      host: '127.0.0.1',
      esdbConnectionString: `esdb://127.0.0.1:${port}?tls=false`,
      logLevel: 'silent',
    });
    try {
      const readyz = await fetch(`${running.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
      expect(readyz.status).toBe(503);
      expect(((await readyz.json()) as { reasons: string[] }).reasons).toEqual(['EventStoreDB unreachable']);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await running.close();
    }
  });

  test('a definition that cannot run stops start-up before init opens anything', async () => {
    const calls: string[] = [];
    const fn = defineFunction({
      name: 'stalled',
      async init() {
        calls.push('init');
      },
      subscription: { source: { stream: 's' }, group: 'g', events: {}, concurrency: 0, handle: async () => {} },
    });
    await expect(startFunction(fn, { port: 0, host: '127.0.0.1' })).rejects.toThrow(/subscription\.concurrency/);
    expect(calls).toEqual([]);
  });

  test('a port in use stops start-up, after closing what init opened', async () => {
    const calls: string[] = [];
    const fn = defineFunction({
      name: 'clash',
      async init() {
        return 'opened';
      },
      async shutdown(deps) {
        calls.push(`shutdown:${deps}`);
      },
    });
    const first = await startFunction(fn, { port: 0, host: '127.0.0.1', logLevel: 'silent' });
    try {
      await expect(startFunction(fn, { port: first.port, host: '127.0.0.1', logLevel: 'silent' })).rejects.toThrow(
        `function 'clash' cannot listen on 127.0.0.1:${first.port}`,
      );
      expect(calls).toEqual(['shutdown:opened']);
    } finally {
      await first.close();
    }
  });

  test('a failing init stops start-up with the cause', async () => {
    const fn = defineFunction({
      name: 'broken',
      async init(): Promise<never> {
        throw new Error('no database');
      },
    });
    await expect(startFunction(fn, { port: 0, host: '127.0.0.1', logLevel: 'silent' })).rejects.toThrow("init of function 'broken' failed");
  });
});

describe('startFunction with a retry policy it cannot honour', () => {
  const fn = (messageTimeoutMs?: number) =>
    defineFunction({
      name: 'impatient',
      subscription: {
        source: { stream: 'anything' },
        group: 'impatient',
        events: {},
        timeoutMs: 1_000,
        retry: { maxElapsedMs: 20_000 },
        ...(messageTimeoutMs === undefined ? {} : { settings: { messageTimeoutMs } }),
        async handle() {},
      },
    });
  const options = { port: 0, host: '127.0.0.1', esdbConnectionString: 'esdb://127.0.0.1:1?tls=false', logLevel: 'silent' as const };

  test('a declared message timeout shorter than the retry budget stops start-up, naming it', async () => {
    await expect(startFunction(fn(5_000), options)).rejects.toThrow(ConfigError);
    await expect(startFunction(fn(5_000), options)).rejects.toThrow(
      /subscription\.settings\.messageTimeoutMs: 5000 is shorter than the retry budget needs/,
    );
  });

  test('an environment override that breaks the policy stops start-up', async () => {
    await expect(startFunction(fn(), { ...options, retry: { initialDelayMs: 5_000, maxDelayMs: 100 } })).rejects.toThrow(
      /retry policy .*initialDelayMs: must not exceed maxDelayMs/,
    );
  });
});
