import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, childrenOf, type Dev, eventually, repoRoot, spillwayBin, startDev, stopDevs } from '../dev/testing/dev-process';

// One start of the whole shop, two bursts and a scale-down window: bounded, not quick.
jest.setTimeout(90_000);

const bin = spillwayBin;
// Short, so the test sees the scale-down; the dev default is 30 s.
const WINDOW_SECONDS = 5;
const STOCK = 300;
const ORDERS = 500;

/** Scaling decisions for stock-reservation printed so far, as [from, to]. */
function decisions(dev: Dev): [number, number][] {
  return [...dev.output().matchAll(/^\[autoscaler\] stock-reservation (\d+) -> (\d+): /gm)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** Spawned asynchronously: a blocked test process would stop reading dev's output, and dev would block writing it. */
function load(url: string, orders: number, sku: string): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(
    process.execPath,
    [bin, 'load', '--url', url, '--orders', String(orders), '--concurrency', '20', '--skus', sku, '--json'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
}

async function countOrders(projector: string, status: string): Promise<number> {
  let count = 0;
  let cursor = '';
  for (;;) {
    const page = (await fetch(`${projector}/orders?status=${status}&limit=100&cursor=${encodeURIComponent(cursor)}`).then((r) =>
      r.json(),
    )) as {
      items: unknown[];
      nextCursor?: string;
    };
    count += page.items.length;
    if (!page.nextCursor) return count;
    cursor = page.nextCursor;
  }
}

describe('spillway dev scales stock-reservation by lag', () => {
  let dataDir: string;
  let dev: Dev | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'spillway-dev-scale-'));
  });

  afterAll(async () => {
    await stopDevs([dev]);
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a bad scaling flag is a usage error', () => {
    const run = spawnSync(process.execPath, [bin, 'dev', '--max-replicas', '0'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--max-replicas must be an integer');
  });

  test('a burst scales it up, the window scales it down, every order settles without overselling, and Ctrl-C stops every replica', async () => {
    // --max-replicas: the default follows the machine's cores (1 on 2 cores), and this test is about scaling.
    dev = await startDev(dataDir, ['--scale-down-seconds', String(WINDOW_SECONDS), '--max-replicas', '3']);
    const { 'order-create': create, 'stock-reservation': stock, 'order-projector': projector } = dev.urls;
    expect(dev.output()).toMatch(/stock-reservation +1 running, 1-3 by lag/);
    expect(dev.output()).toMatch(/order-projector +1 running, fixed at 1/);
    expect(
      (
        await fetch(`${stock}/inventory/apple/restock`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ quantity: STOCK }),
        })
      ).status,
    ).toBe(200);

    const burst = await load(create!, ORDERS, 'apple');
    expect(burst.code).toBe(0);
    expect(JSON.parse(burst.stdout)).toMatchObject({ sent: ORDERS, byStatus: { '201': ORDERS } });
    const [, up] = await eventually('a scale-up decision', () => decisions(dev!).find(([from, to]) => to > from && from >= 1));
    expect(up).toBeGreaterThan(1);

    // Every order settles once: exactly the stock is reserved, the rest rejected, none oversold.
    const settled = await eventually('every order settled', async () => {
      const [pending, reserved, rejected] = await Promise.all([
        countOrders(projector!, 'pending'),
        countOrders(projector!, 'reserved'),
        countOrders(projector!, 'rejected'),
      ]);
      return pending === 0 && reserved + rejected === ORDERS ? { reserved, rejected } : undefined;
    });
    expect(settled).toEqual({ reserved: STOCK, rejected: ORDERS - STOCK });
    // The inventory stream's events are applied one after another (one stream, in order) while the orders'
    // streams go in parallel, so the SKU's row can trail the orders' statuses for a moment; it must catch up exactly.
    const inventory = () => fetch(`${projector}/inventory/apple`).then((r) => r.json() as Promise<{ reserved: number }>);
    await eventually('the inventory to show every reservation', async () => ((await inventory()).reserved >= STOCK ? true : undefined));
    expect(await inventory()).toEqual({
      sku: 'apple',
      onHand: STOCK,
      reserved: STOCK,
      available: 0,
    });

    await eventually('a scale-down to 1 after the window', () => decisions(dev!).find(([from, to]) => from > 1 && to === 1));

    // A second burst as large as the first, on fresh stock: a burst of instant rejections
    // (nothing left to reserve) is handled too fast to build lag since reservations stopped
    // reading. Then Ctrl-C while it is scaled up.
    expect(
      (
        await fetch(`${stock}/inventory/pear/restock`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ quantity: ORDERS }),
        })
      ).status,
    ).toBe(200);
    const before = decisions(dev).length;
    const second = await load(create!, ORDERS, 'pear');
    expect(second.code).toBe(0);
    await eventually('a second scale-up', () =>
      decisions(dev!)
        .slice(before)
        .find(([from, to]) => to > from && from >= 1),
    );
    // order-create, two or more stock-reservation replicas, the projector. The decision is logged
    // before the new replica's process exists, so the count is awaited rather than read once.
    const children = await eventually('the added replica to run', () => {
      const now = childrenOf(dev!.child.pid!);
      return now.length >= 4 ? now : undefined;
    });
    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    expect(dev.output()).toContain('stopped');
    expect(children.filter(alive)).toEqual([]);
  });
});
