import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type Dev, eventually, repoRoot, startDev, stopDevs } from '../dev/testing/dev-process';

// The whole shop, PGlite's initdb and a browser on a loaded machine: bounded, not quick.
jest.setTimeout(240_000);

// Debian's Chromium (.ci/run installs the `chromium` package); Playwright downloads no browser of its own here.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// Git-ignored: each run's screenshots, one per page, kept as test artifacts.
const SHOTS = join(repoRoot, '.artifacts', 'console');
const UI_WAIT_MS = 60_000;

describe('the console of spillway dev, in a real browser', () => {
  let dataDir: string;
  let dev: Dev | undefined;
  let browser: Browser | undefined;
  let client: EventStoreDBClient | undefined;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'spillway-console-'));
    dev = await startDev(dataDir);
    const esdb = /^ {2}emulator +(esdb:\/\/\S+)/m.exec(dev.output())?.[1];
    client = EventStoreDBClient.connectionString(esdb!);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  });

  afterAll(async () => {
    await browser?.close();
    await client?.dispose();
    await stopDevs([dev]);
    await rm(dataDir, { recursive: true, force: true });
  });

  const open = async (hash: string): Promise<Page> => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(UI_WAIT_MS);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${hash}: console error: ${message.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`${hash}: page error: ${err.message}`));
    await page.goto(`${dev!.gateway}/console${hash}`);
    return page;
  };

  test('functions ready, an order placed through Try it, its correlation timeline, a poison event parked and replayed', async () => {
    // Functions: the three functions, each ready.
    const functions = await open('#/functions');
    for (const name of ['order-create', 'stock-reservation', 'order-projector']) {
      await functions.getByTestId(`function-${name}`).getByTestId('ready').getByText('ready', { exact: true }).waitFor();
    }
    await functions.getByTestId('function-stock-reservation').getByTestId('lag').waitFor();
    // The projector's read model: the version serving reads (and any build in progress).
    await functions
      .getByTestId('function-order-projector')
      .getByTestId('read-model-serving')
      .getByText(/^serving v\d+/)
      .waitFor();
    await functions.screenshot({ path: join(SHOTS, 'functions.png'), fullPage: true });

    // Try it: restock, then place an order, through the gateway.
    const tryIt = await open('#/try');
    const send = async (operation: string, params: Record<string, string>, body: unknown) => {
      await tryIt.getByTestId('operation-select').selectOption(operation);
      const form = tryIt.getByTestId('operation');
      for (const [name, value] of Object.entries(params)) await form.getByTestId(`param-${name}`).fill(value);
      await form.getByTestId('body').fill(JSON.stringify(body));
      await form.getByTestId('send').click();
      await form.getByTestId('response-status').waitFor();
      return {
        status: await form.getByTestId('response-status').textContent(),
        body: await form.locator('[data-label="response-body"]').textContent(),
      };
    };
    expect((await send('POST /inventory/{sku}/restock', { sku: 'apple' }, { quantity: 10 })).status).toBe('200');
    const placed = await send(
      'POST /orders',
      { 'Idempotency-Key': `browser-${Date.now()}` },
      { customerId: 'c-browser', items: [{ sku: 'apple', quantity: 2, unitPrice: 0.5 }], currency: 'EUR' },
    );
    expect(placed.status).toBe('201');
    const { orderId } = JSON.parse(placed.body!) as { orderId: string };
    await tryIt.screenshot({ path: join(SHOTS, 'try-it.png'), fullPage: true });

    // Streams: the order's stream, its first event, and the correlation timeline across streams.
    const streams = await open('#/streams');
    await eventually('the reservation to be recorded on the order', async () => {
      await streams.getByTestId('stream-name').fill(`order-${orderId}`);
      await streams.getByRole('button', { name: 'Open' }).click();
      const rows = streams.getByTestId('stream-page').getByTestId('event-row');
      await rows.first().waitFor();
      return (await rows.count()) >= 2 ? true : undefined;
    });
    await streams.getByTestId('stream-page').locator('[data-type="OrderCreated"]').click();
    await streams.getByTestId('event-detail').getByText(orderId).first().waitFor();
    await streams.getByTestId('show-correlation').click();
    const timeline = streams.getByTestId('timeline');
    await timeline.getByTestId('timeline-event').nth(2).waitFor();
    const entries = await timeline.getByTestId('timeline-event').allTextContents();
    expect(entries.length).toBeGreaterThanOrEqual(3);
    const streamNames = new Set(entries.map((text) => /in (\S+)@/.exec(text)?.[1]));
    expect(streamNames.size).toBeGreaterThanOrEqual(2);
    expect(entries[0]).toContain('OrderCreated');
    await streams.screenshot({ path: join(SHOTS, 'streams.png'), fullPage: true });

    // A poison event: an OrderCreated that fails its schema, parked by stock-reservation; replayed from the UI.
    await client!.appendToStream(`order-poison-${Date.now()}`, jsonEvent({ type: 'OrderCreated', data: { not: 'an order' } }));
    const subscriptions = await open('#/subscriptions');
    await subscriptions.getByTestId('quarantine').getByRole('heading', { name: 'quarantined events' }).waitFor();
    const group = subscriptions.getByTestId('parked-stock-reservation');
    const row = group.getByTestId('parked-row').filter({ hasText: 'order-poison-' });
    await eventually(
      'the poison event to be listed as parked',
      async () => {
        await group.getByRole('button', { name: 'refresh' }).click();
        return (await row.count()) > 0 ? true : undefined;
      },
      UI_WAIT_MS,
    );
    const parkedBefore = await parkedRevisions(dev!.gateway);
    await group.getByTestId('replay').click();
    await group.getByTestId('replay-message').getByText('replay requested').waitFor();
    // Replayed, it fails its schema again and is parked again: a new entry in the parked stream.
    await eventually('the replayed event to be parked again', async () => {
      const after = await parkedRevisions(dev!.gateway);
      return after.some((r) => r > Math.max(...parkedBefore)) ? true : undefined;
    });
    await subscriptions.screenshot({ path: join(SHOTS, 'subscriptions.png'), fullPage: true });

    expect(problems).toEqual([]);
  });
});

async function parkedRevisions(gateway: string): Promise<number[]> {
  const body = (await fetch(`${gateway}/console/api/parked/stock-reservation`).then((r) => r.json())) as {
    parked: { parkedRevision: string }[];
  };
  return body.parked.map((p) => Number(p.parkedRevision));
}
