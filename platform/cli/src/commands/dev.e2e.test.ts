import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dev, eventually, repoRoot, spillwayBin, startDev, stopDevs } from '../dev/testing/dev-process';

// Two starts of the whole shop (emulator, PGlite initdb, three processes) and a stop: bounded, not quick.
jest.setTimeout(180_000);

describe('spillway dev (npm start)', () => {
  let dataDir: string;
  const running: Dev[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'spillway-dev-'));
  });

  afterAll(async () => {
    await stopDevs(running);
    await rm(dataDir, { recursive: true, force: true });
  });

  test('the README walk-through works, Ctrl-C stops everything, and a second start resumes from the same data', async () => {
    // The first start without the autoscaler (one process per function), the second with it (the default).
    const first = await startDev(dataDir, ['--no-autoscale']);
    running.push(first);
    expect(Object.keys(first.urls).sort()).toEqual(['order-create', 'order-projector', 'stock-reservation']);
    expect(first.output()).toContain(`PGlite in ${join(dataDir, 'read-model')}`);
    expect(first.output()).toContain('Replicas: one process each (--no-autoscale).');
    expect(first.output()).not.toContain('[autoscaler]');

    // A second start on the same data folder is refused while the first runs.
    const clash = spawn(process.execPath, [spillwayBin, 'dev', '--data-dir', dataDir], {
      cwd: repoRoot,
      stdio: 'ignore',
    });
    expect(await new Promise((resolve) => clash.once('exit', resolve))).toBe(2);

    const restock = await fetch(`${first.urls['stock-reservation']}/inventory/apple/restock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 10 }),
    });
    expect(restock.status).toBe(200);
    const placed = await fetch(`${first.urls['order-create']}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'first-order' },
      body: JSON.stringify({ customerId: 'c-1', items: [{ sku: 'apple', quantity: 2, unitPrice: 0.5 }], currency: 'EUR' }),
    });
    expect(placed.status).toBe(201);
    const { orderId } = (await placed.json()) as { orderId: string };
    // Sent straight to order-create, which cannot read orders: the Location names the gateway (PUBLIC_BASE_URL).
    expect(placed.headers.get('location')).toBe(`${first.gateway}/orders/${orderId}`);
    const order = await eventually('the order to be reserved', async () => {
      const response = await fetch(`${first.urls['order-projector']}/orders/${orderId}`);
      const body = (await response.json()) as { status?: string };
      return body.status === 'reserved' ? body : undefined;
    });
    expect(order).toMatchObject({ orderId, status: 'reserved', totalAmount: 1 });

    // The gateway: the same walk-through on one URL; the create's Location answers there, from the projector.
    expect(first.gateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const viaGateway = await fetch(`${first.gateway}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'first-order' },
      body: JSON.stringify({ customerId: 'c-1', items: [{ sku: 'apple', quantity: 2, unitPrice: 0.5 }], currency: 'EUR' }),
    });
    expect(viaGateway.status).toBe(201);
    expect(await viaGateway.json()).toEqual({ orderId });
    const location = new URL(viaGateway.headers.get('location')!, first.gateway).href;
    expect(await fetch(location).then((r) => r.json())).toMatchObject({ orderId, status: 'reserved' });
    expect(first.output()).toMatch(/\[gateway\] POST \/orders -> order-create \(127\.0\.0\.1:\d+\) 201/);

    // Cancelling an order gives its stock back.
    const other = await fetch(`${first.urls['order-create']}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'c-2', items: [{ sku: 'apple', quantity: 3, unitPrice: 0.5 }], currency: 'EUR' }),
    }).then((r) => r.json() as Promise<{ orderId: string }>);
    await eventually('the second order to be reserved', async () => {
      const body = (await fetch(`${first.urls['order-projector']}/orders/${other.orderId}`).then((r) => r.json())) as { status?: string };
      return body.status === 'reserved' ? body : undefined;
    });
    expect((await fetch(`${first.urls['order-create']}/orders/${other.orderId}/cancel`, { method: 'POST' })).status).toBe(200);
    await eventually('the cancelled stock to be released', async () => {
      const level = (await fetch(`${first.urls['order-projector']}/inventory/apple`).then((r) => r.json())) as { reserved?: number };
      return level.reserved === 2 ? level : undefined;
    });

    // spillway load: a bounded burst against the running order-create (a SKU with no stock, so nothing else changes).
    const load = spawnSync(
      process.execPath,
      [spillwayBin, 'load', '--url', first.urls['order-create']!, '--orders', '20', '--concurrency', '5', '--skus', 'none-left', '--json'],
      { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
    );
    expect(load.status).toBe(0);
    expect(JSON.parse(load.stdout)).toMatchObject({ sent: 20, byStatus: { '201': 20 }, failures: 0 });
    const misuse = spawnSync(process.execPath, [spillwayBin, 'load', '--orders', '0'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(misuse.status).toBe(2);
    expect(misuse.stderr).toContain('--orders must be an integer');

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('stopped');

    // --max-replicas: the default follows the machine's cores, and the banner below names a range.
    const second = await startDev(dataDir, ['--max-replicas', '3']);
    running.push(second);
    // The subscription-driven functions now run in process pools the local autoscaler sizes. Events after
    // the group's lazily written checkpoint count as lag (they are redelivered), so it may start above 1.
    expect(second.output()).toMatch(/^\[autoscaler\] stock-reservation 0 -> [1-3]: /m);
    expect(second.output()).toMatch(/^ {2}stock-reservation +[1-3] running, 1-3 by lag/m);
    const again = await fetch(`${second.urls['order-projector']}/orders/${orderId}`);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ orderId, status: 'reserved' });
    const level = await fetch(`${second.urls['order-projector']}/inventory/apple`).then((r) => r.json());
    expect(level).toEqual({ sku: 'apple', onHand: 10, reserved: 2, available: 8 });
    // The emulator kept its log: the same Idempotency-Key still names the same order.
    const retried = await fetch(`${second.urls['order-create']}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'first-order' },
      body: JSON.stringify({ customerId: 'c-1', items: [{ sku: 'apple', quantity: 2, unitPrice: 0.5 }], currency: 'EUR' }),
    });
    expect(await retried.json()).toEqual({ orderId });

    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });
});
