import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@spillway/emulator';
import echo from '../../test/fixtures/echo/src/index';
import { type Harness, startHarness } from '../testing/harness';

let dataDir: string;
let emulator: Emulator | undefined;
let harness: Harness | undefined;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'spillway-reconnect-'));
});
afterAll(async () => {
  await harness?.close();
  await emulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function readyz(url: string) {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { reasons?: string[] } };
}

test('EventStoreDB going away makes the function not ready; it resubscribes and resumes when it is back', async () => {
  emulator = await startEmulator({ dataDir, port: 0 });
  const port = emulator.port;
  harness = await startHarness(echo, { connectionString: emulator.connectionString, logLevel: 'silent' });
  const h = harness;
  expect((await readyz(h.url)).status).toBe(200);

  await emulator.close();
  emulator = undefined;
  const down = await h.eventually(async () => {
    const r = await readyz(h.url);
    return r.status === 503 ? r.body : undefined;
  });
  expect(down.reasons).toEqual(expect.arrayContaining(['subscription not live']));

  emulator = await startEmulator({ dataDir, port });
  await h.eventually(async () => ((await readyz(h.url)).status === 200 ? true : undefined), 20_000);
  await h.append('echo-after-restart', [{ type: 'Pinged', data: { n: 1 } }]);
  const echoed = await h.eventually(async () => {
    const events = await h.read('echoed-echo-after-restart');
    return events.length > 0 ? events : undefined;
  });
  expect(echoed.map((e) => e.type)).toEqual(['Ponged']);
  const metrics = await (await fetch(`${h.url}/metrics`)).text();
  expect(metrics).toMatch(/spillway_subscription_reconnects_total\{fn="echo",group="echo"\} [1-9]/);
}, 60_000);
