// `npm run bench:emulator`: the emulator in its own process, driven through @eventstore/db-client
// as an application would. Append throughput for 1 and 8 concurrent writers (one client each)
// of 1- and 100-event appends, durable (fdatasync before every acknowledgement) and in memory;
// then the $all read rate and the catch-up subscription delivery rate over what was written.
// Every figure counts events acknowledged (or delivered) to the client per second of wall time.
// Prints a table, then one line per figure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventStoreDBClient, jsonEvent, START } from '@eventstore/db-client';
import { startChild, stop } from '../src/testing/child-emulator';

/** One append run: long enough to smooth out group-commit and GC noise. */
const RUN_MS = 2_000;
/**
 * Each append figure is the median of this many runs: the machine is shared, and a single
 * run can land on a burst of other work; the whole benchmark still takes about a minute.
 */
const RUNS = 3;

const payload = (writer: number, n: number) =>
  jsonEvent({ type: 'OrderPlaced', data: { orderId: `order-${writer}-${n}`, sku: 'SKU-0042', quantity: 3, priceCents: 1999 } });

/** `writers` clients each append `batch`-event appends to their own stream for RUN_MS; events/s acknowledged. */
async function appendRate(connectionString: string, label: string, writers: number, batch: number): Promise<number> {
  const clients = Array.from({ length: writers }, () => EventStoreDBClient.connectionString(connectionString));
  const streams = clients.map((_, w) => `bench-${label}-${writers}w-${batch}b-${w}`);
  // Warm-up: connect, fetch server features, open each client's BatchAppend stream.
  const revisions = await Promise.all(
    clients.map(async (client, w) => (await client.appendToStream(streams[w]!, payload(w, -1))).nextExpectedRevision),
  );
  let events = 0;
  const started = performance.now();
  const deadline = started + RUN_MS;
  await Promise.all(
    clients.map(async (client, w) => {
      let revision = revisions[w]!;
      let n = 0;
      while (performance.now() < deadline) {
        const appended = Array.from({ length: batch }, () => payload(w, n++));
        revision = (await client.appendToStream(streams[w]!, appended, { expectedRevision: revision })).nextExpectedRevision;
        events += batch;
      }
    }),
  );
  const rate = events / ((performance.now() - started) / 1000);
  await Promise.all(clients.map((c) => c.dispose()));
  return rate;
}

async function readAllRate(connectionString: string): Promise<{ rate: number; events: number }> {
  const client = EventStoreDBClient.connectionString(connectionString);
  let events = 0;
  const started = performance.now();
  for await (const _ of client.readAll({ fromPosition: START })) events++;
  const rate = events / ((performance.now() - started) / 1000);
  await client.dispose();
  return { rate, events };
}

async function catchUpRate(connectionString: string, total: number): Promise<number> {
  const client = EventStoreDBClient.connectionString(connectionString);
  const subscription = client.subscribeToAll({ fromPosition: START });
  let events = 0;
  const started = performance.now();
  for await (const _ of subscription) {
    if (++events === total) break;
  }
  const rate = events / ((performance.now() - started) / 1000);
  await subscription.unsubscribe();
  await client.dispose();
  return rate;
}

interface Row {
  readonly figure: string;
  readonly mode: string;
  readonly writers: string;
  readonly batch: string;
  readonly rate: number;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-bench-'));
  try {
    for (const mode of ['memory', 'durable'] as const) {
      const child = await startChild(mode === 'memory' ? '--mem' : dataDir);
      try {
        for (const writers of [1, 8]) {
          for (const batch of [1, 100]) {
            const rates: number[] = [];
            for (let run = 0; run < RUNS; run++) rates.push(await appendRate(child.connectionString, `${mode}${run}`, writers, batch));
            const rate = rates.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
            rows.push({ figure: 'append', mode, writers: String(writers), batch: String(batch), rate });
          }
        }
        const read = await readAllRate(child.connectionString);
        rows.push({ figure: `$all read (${read.events} events)`, mode, writers: '1', batch: '-', rate: read.rate });
        const catchUp = await catchUpRate(child.connectionString, read.events);
        rows.push({ figure: 'catch-up subscription', mode, writers: '1', batch: '-', rate: catchUp });
      } finally {
        await stop(child.child);
      }
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const header = ['figure', 'mode', 'writers', 'events/append', 'events/s'];
  const cells = rows.map((r) => [r.figure, r.mode, r.writers, r.batch, Math.round(r.rate).toLocaleString('en-US')]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ');
  console.log(
    `emulator benchmark: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, append figures are the median of ${RUNS} runs of ${RUN_MS} ms`,
  );
  console.log(line(header));
  for (const c of cells) console.log(line(c));
  console.log('');
  for (const r of rows) {
    const shape = r.batch === '-' ? '' : `, ${r.writers} writer${r.writers === '1' ? '' : 's'} x ${r.batch}-event appends`;
    console.log(`emulator ${r.figure.replace(/ \(.*\)/, '')} ${r.mode}${shape}: ${Math.round(r.rate)} events/s`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
