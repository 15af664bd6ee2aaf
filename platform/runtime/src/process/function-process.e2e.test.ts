import { join } from 'node:path';
import { startTestEventStore, type TestEventStore } from '../testing/test-event-store';
import { type FunctionProcess, spawnFunctionProcess } from './function-process';

const fixture = join(__dirname, '..', '..', 'test', 'fixtures', 'echo');
// Start-up compiles the fixture with tsx: generous on a loaded CI box.
const START_MS = 30_000;

let store: TestEventStore;
const started: FunctionProcess[] = [];

function start(env: Record<string, string>, onLine?: (line: string) => void): FunctionProcess {
  const running = spawnFunctionProcess(fixture, {
    name: 'echo',
    port: 0,
    env: { LOG_LEVEL: 'info', DRAIN_TIMEOUT_MS: '2000', ...env },
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
