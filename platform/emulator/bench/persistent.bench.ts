// Persistent-subscription delivery, part of `npm run bench:emulator`: the emulator in its own
// process (in memory, then durable), a stream of EVENTS events written beforehand, and a
// group read from the start by 1 or 4 consumers (one client each, RoundRobin, the client's
// buffer of BUFFER_SIZE) that acknowledge every event one by one as an application would.
// The figure is events acknowledged per second, from subscribing until the server reports
// nothing left in flight. Prints a table, then one line per figure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventStoreDBClient, jsonEvent, persistentSubscriptionToStreamSettingsFromDefaults, START } from '@eventstore/db-client';
import { startChild, stop } from '../src/testing/child-emulator';

/** Enough events for a run of a few seconds at the target rate. */
const EVENTS = Number(process.env.BENCH_PERSISTENT_EVENTS ?? 40_000);
/** In-flight messages per consumer: the client's `bufferSize`. */
const BUFFER_SIZE = Number(process.env.BENCH_PERSISTENT_BUFFER ?? 100);

async function fill(connectionString: string, stream: string): Promise<void> {
  const client = EventStoreDBClient.connectionString(connectionString);
  for (let n = 0; n < EVENTS; n += 100) {
    const batch = Array.from({ length: Math.min(100, EVENTS - n) }, (_, i) =>
      jsonEvent({ type: 'OrderPlaced', data: { orderId: `order-${n + i}`, sku: 'SKU-0042', quantity: 3, priceCents: 1999 } }),
    );
    await client.appendToStream(stream, batch);
  }
  await client.dispose();
}

/** Subscribes `consumers` clients and acks every event; events acknowledged per second. */
async function deliveryRate(connectionString: string, stream: string, consumers: number): Promise<number> {
  const admin = EventStoreDBClient.connectionString(connectionString);
  const group = `bench-${consumers}`;
  await admin.createPersistentSubscriptionToStream(stream, group, persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START }));
  const clients = Array.from({ length: consumers }, () => EventStoreDBClient.connectionString(connectionString));
  let acked = 0;
  let done: () => void = () => undefined;
  const allAcked = new Promise<void>((resolve) => {
    done = resolve;
  });
  const started = performance.now();
  const subscriptions = clients.map((client) => {
    const subscription = client.subscribeToPersistentSubscriptionToStream(stream, group, { bufferSize: BUFFER_SIZE });
    subscription.on('data', (event) => {
      subscription.ack(event).then(() => {
        if (++acked === EVENTS) done();
      }, done);
    });
    return subscription;
  });
  await allAcked;
  // The acks are sent; wait until the server has settled them all.
  for (;;) {
    const info = await admin.getPersistentSubscriptionToStreamInfo(stream, group);
    if (info.stats.totalInFlightMessages === 0 && info.stats.totalItems >= BigInt(EVENTS)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const rate = EVENTS / ((performance.now() - started) / 1000);
  for (const s of subscriptions) await s.unsubscribe();
  await Promise.all([...clients, admin].map((c) => c.dispose()));
  return rate;
}

interface Row {
  readonly mode: string;
  readonly consumers: number;
  readonly rate: number;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-bench-persistent-'));
  try {
    for (const mode of ['memory', 'durable'] as const) {
      const child = await startChild(mode === 'memory' ? '--mem' : dataDir);
      try {
        const stream = `bench-persistent-${mode}`;
        await fill(child.connectionString, stream);
        for (const consumers of [1, 4]) rows.push({ mode, consumers, rate: await deliveryRate(child.connectionString, stream, consumers) });
      } finally {
        await stop(child.child);
      }
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const header = ['figure', 'mode', 'consumers', 'events/s'];
  const cells = rows.map((r) => ['persistent subscription ack', r.mode, String(r.consumers), Math.round(r.rate).toLocaleString('en-US')]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ');
  console.log(
    `persistent subscription benchmark: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ` +
      `${EVENTS} events, buffer ${BUFFER_SIZE} per consumer, one ack per event`,
  );
  console.log(line(header));
  for (const c of cells) console.log(line(c));
  console.log('');
  for (const r of rows) {
    console.log(
      `emulator persistent subscription ${r.mode}, ${r.consumers} consumer${r.consumers === 1 ? '' : 's'}: ${Math.round(r.rate)} events/s acknowledged`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
