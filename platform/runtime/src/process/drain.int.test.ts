import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type EventStoreDBClient, jsonEvent, StreamNotFoundError } from '@eventstore/db-client';
import echo from '../../test/fixtures/echo/src/index';
import { type Harness, startHarness } from '../testing/harness';
import { startTestEventStore, type TestEventStore } from '../testing/test-event-store';

const bin = join(__dirname, '..', '..', 'bin', 'spillway-function.js');
const fixture = join(__dirname, '..', '..', 'test', 'fixtures', 'echo');
const BURST = 500;

let store: TestEventStore;
let client: EventStoreDBClient;
let child: ChildProcess | undefined;
let second: Harness | undefined;
beforeAll(async () => {
  store = await startTestEventStore();
  client = store.client;
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await second?.close();
  await store?.close();
});

async function audit(): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const { event } of client.readStream('audit-echo')) {
      if (event) ids.push((event.data as { eventId: string }).eventId);
    }
  } catch (err) {
    if (!(err instanceof StreamNotFoundError)) throw err;
  }
  return ids;
}

test('SIGTERM during a burst loses nothing and redelivers nothing that was acknowledged', async () => {
  for (let start = 0; start < BURST; start += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.appendToStream(`echo-${start + i}`, jsonEvent({ type: 'Pinged', data: { n: start + i } })),
      ),
    );
  }
  let output = '';
  const proc = spawn(process.execPath, [bin, fixture], {
    env: {
      PATH: process.env.PATH ?? '',
      ESDB_CONNECTION_STRING: store.connectionString,
      PORT: '0',
      DRAIN_TIMEOUT_MS: '10000',
      AUTH: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  proc.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  proc.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

  // The real process serves its operational endpoints on the port it logged.
  const port = await new Promise<number>((resolve) => {
    const poll = setInterval(() => {
      const match = /"port":(\d+)/.exec(output);
      if (match) {
        clearInterval(poll);
        resolve(Number(match[1]));
      }
    }, 10);
  });
  const openApi = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  expect(Object.keys(openApi.paths)).toEqual(['/pings']);
  expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain('spillway_events_processed_total');

  // Stop it part-way: some events handled, most not yet.
  for (let handled = 0; handled < 30; handled = (await audit()).length) await new Promise((resolve) => setTimeout(resolve, 20));
  proc.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output).toContain('"msg":"subscription drained"');
  const handledBeforeStop = (await audit()).length;
  expect(handledBeforeStop).toBeLessThan(BURST);

  // A second replica picks up the rest.
  second = await startHarness(echo, { connectionString: store.connectionString, logLevel: 'silent' });
  const ids = await second.eventually(async () => {
    const all = await audit();
    return new Set(all).size === BURST ? all : undefined;
  }, 30_000);
  await second.eventually(async () => {
    const info = await client.getPersistentSubscriptionToAllInfo('echo');
    return info.stats.totalInFlightMessages === 0 ? true : undefined;
  });
  expect((await audit()).length).toBe(ids.length);
  expect(ids).toHaveLength(BURST);
  const echoed = await Promise.all([0, 150, BURST - 1].map((n) => second!.read(`echoed-echo-${n}`)));
  for (const events of echoed) expect(events).toHaveLength(1);
  await second.close();
  second = undefined;
}, 60_000);

test('SIGKILL during a burst loses nothing, and redelivered events write their effects once', async () => {
  const from = BURST;
  await Promise.all(
    Array.from({ length: 100 }, (_, i) => client.appendToStream(`echo-${from + i}`, jsonEvent({ type: 'Pinged', data: { n: from + i } }))),
  );
  const handledBefore = (await audit()).length;
  const proc = spawn(process.execPath, [bin, fixture], {
    env: { PATH: process.env.PATH ?? '', ESDB_CONNECTION_STRING: store.connectionString, PORT: '0', LOG_LEVEL: 'silent', AUTH: 'none' },
    stdio: 'ignore',
  });
  child = proc;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_code, signal) => resolve(signal)));
  for (let handled = 0; handled < 10; handled = (await audit()).length - handledBefore)
    await new Promise((resolve) => setTimeout(resolve, 20));
  proc.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  second = await startHarness(echo, { connectionString: store.connectionString, logLevel: 'silent' });
  await second.eventually(async () => (new Set(await audit()).size === BURST + 100 ? true : undefined), 30_000);
  for (const n of [from, from + 50, from + 99]) {
    const events = await second.eventually(async () => {
      const found = await second!.read(`echoed-echo-${n}`);
      return found.length > 0 ? found : undefined;
    });
    expect(events).toHaveLength(1);
  }
}, 60_000);
