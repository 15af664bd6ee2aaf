import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestEventStore, type TestEventStore } from '../testing/test-event-store';
import { type FunctionProcess, spawnFunctionProcess } from './function-process';

const fixture = join(__dirname, '..', '..', 'test', 'fixtures', 'echo');
const supervisor = join(__dirname, '..', '..', 'test', 'fixtures', 'supervisor', 'index.ts');
// Start-up compiles the fixture with tsx: generous on a loaded CI box.
const START_MS = 30_000;

let store: TestEventStore;
const started: FunctionProcess[] = [];

function start(env: Record<string, string>, onLine?: (line: string) => void): FunctionProcess {
  const running = spawnFunctionProcess(fixture, {
    name: 'echo',
    port: 0,
    env: { LOG_LEVEL: 'info', DRAIN_TIMEOUT_MS: '2000', AUTH: 'none', ...env },
    onLine,
  });
  started.push(running);
  return running;
}

beforeAll(async () => {
  store = await startTestEventStore();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((running) => running.stop({ signal: 'SIGKILL' })));
});
afterAll(async () => {
  await store.close();
});

test('on an OS-picked port it is ready at the URL its start-up line names, and stop() drains it', async () => {
  const lines: string[] = [];
  const running = start({ ESDB_CONNECTION_STRING: store.connectionString, POD_NAMESPACE: 'shop-staging' }, (line) => lines.push(line));
  expect(running.url()).toBeUndefined();
  const url = await running.ready(Date.now() + START_MS);
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(running.url()).toBe(url);
  expect(lines.some((line) => line.includes('"function started"'))).toBe(true);
  expect(await (await fetch(`${url}/metrics`, { headers: { connection: 'close' } })).text()).toMatch(
    /^spillway_subscription_live\{fn="echo",group="echo",namespace="shop-staging"\} 1$/m,
  );
  await running.stop();
  expect(running.isRunning()).toBe(false);
  expect(await running.exited).toBe(0);
}, 60_000);

test('a process that exits during start-up fails ready() at once', async () => {
  const running = start({ LOG_LEVEL: 'chatty' });
  await expect(running.ready(Date.now() + START_MS)).rejects.toThrow('echo exited during start-up');
}, 60_000);

test('a deadline that passes fails ready()', async () => {
  const running = start({ ESDB_CONNECTION_STRING: store.connectionString });
  await expect(running.ready(Date.now() - 1)).rejects.toThrow('echo was not ready in time');
});

/** Running, not merely a zombie: an exited child whose parent is gone waits for init to reap it. */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

async function eventually(what: string, done: () => boolean, withinMs = START_MS): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a function whose supervisor is SIGKILLed notices at once, drains and exits (no orphan holding its port)', async () => {
  const parent = spawn(process.execPath, ['--require', 'tsx/cjs', supervisor, fixture], {
    env: { ...process.env, ESDB_CONNECTION_STRING: store.connectionString, LOG_LEVEL: 'info', DRAIN_TIMEOUT_MS: '2000', AUTH: 'none' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  parent.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  await eventually('the supervised function to be ready', () => out.includes('\n') || parent.exitCode !== null);
  const [pid, url] = out.trim().split(' ');
  const child = Number(pid);
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(alive(child)).toBe(true);
  parent.kill('SIGKILL');
  // Without the watch it lived on for ever, re-parented to init.
  await eventually('the orphaned function to exit', () => !alive(child));
  await expect(fetch(`${url}/livez`)).rejects.toThrow();
}, 60_000);

test('with nobody left reading its output (`… | tee log` after Ctrl-C), a signal still stops it', async () => {
  const running = start({ ESDB_CONNECTION_STRING: store.connectionString });
  await running.ready(Date.now() + START_MS);
  // The reader of its stdout goes away, as tee does on Ctrl-C: every later log line meets a broken pipe.
  running.child.stdout?.destroy();
  running.child.kill('SIGINT');
  // It used to retry the unwritable "draining" line every 100 ms for ever.
  await eventually('the function to exit', () => !running.isRunning());
  expect(await running.exited).toBe(0);
}, 60_000);
