import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dev, repoRoot, spillwayBin, startDev, stopDevs } from '../dev/testing/dev-process';
import type { OpenLoopSummary } from './open-loop';

// One start of the whole shop and a few seconds of load: bounded, not quick.
jest.setTimeout(120_000);

const RATE = 20;
const SECONDS = 3;
const SKUS = ['e2e-a', 'e2e-b'];

/** Spawned asynchronously: a blocked test process would stop reading dev's output, and dev would block writing it. */
function load(argv: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [spillwayBin, 'load', ...argv], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
}

describe('spillway load --rate against a running shop', () => {
  let dataDir: string;
  let dev: Dev | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'spillway-load-'));
    dev = await startDev(dataDir, ['--no-autoscale']);
  });

  afterAll(async () => {
    await stopDevs([dev]);
    await rm(dataDir, { recursive: true, force: true });
  });

  test('sends the scheduled orders, restocks first, and follows every sampled order into the read model', async () => {
    const urls = dev!.urls;
    const { code, stdout } = await load([
      '--url',
      urls['order-create']!,
      '--stock-url',
      urls['stock-reservation']!,
      '--read-url',
      urls['order-projector']!,
      '--rate',
      String(RATE),
      '--duration',
      String(SECONDS),
      '--skus',
      SKUS.join(','),
      '--e2e-every',
      '5',
      '--json',
    ]);
    const summary = JSON.parse(stdout) as OpenLoopSummary;
    expect(summary).toMatchObject({ mode: 'open', rate: RATE, sent: RATE * SECONDS, accepted: RATE * SECONDS, failed: 0 });
    expect(summary.byStatus).toEqual({ '201': RATE * SECONDS });
    // Every fifth order of 60 is followed, and each reached a final status: none was short of stock.
    expect(summary.e2e).toMatchObject({ sampled: 12, final: 12, byStatus: { reserved: 12 } });
    for (const ms of [summary.postMs, summary.e2e.ms]) {
      expect(ms.p50).toBeGreaterThan(0);
      expect(ms.p50).toBeLessThanOrEqual(ms.p99);
      expect(ms.p99).toBeLessThanOrEqual(ms.max);
    }
    // An order is final in the read model only after it was accepted.
    expect(summary.e2e.ms.p50).toBeGreaterThanOrEqual(summary.postMs.p50);
    expect(code).toBe(0);

    // The restock covered exactly what the run ordered of each SKU (30 orders each), and all of it is held.
    for (const sku of SKUS) {
      const inventory = await (await fetch(`${urls['order-projector']}/inventory/${sku}`)).json();
      expect(inventory).toMatchObject({ onHand: 30 });
    }
  });
});
