// Part of `npm run bench:emulator`: what the system projections cost. The same append load
// (8 writers, one client each, 100-event appends to `<category>-<writer>` streams) runs
// against an in-memory emulator child with `--run-projections=none` and one with the
// default `system`, alternating, RUNS times each. Appends are acknowledged before their
// links are written (as on the real server), so for `system` the figure also reports how
// long the projections took to catch up: events per second until the last link was in
// `$ce-<category>`. Prints a table, then one line per figure, then the on/off ratio.
import * as os from 'node:os';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { startChild, stop } from '../src/testing/child-emulator';
import { linksIn } from './links';

const RUN_MS = 2_000;
const RUNS = 3;
const WRITERS = 8;
const BATCH = 100;
/** How long the projections may take to catch up before the run is reported as failed. */
const CATCH_UP_LIMIT_MS = 120_000;

const payload = (writer: number, n: number) =>
  jsonEvent({ type: 'OrderPlaced', data: { orderId: `order-${writer}-${n}`, sku: 'SKU-0042', quantity: 3, priceCents: 1999 } });

interface RunResult {
  readonly appendRate: number;
  /** Events per second until every link was written; undefined with projections off. */
  readonly linkedRate: number | undefined;
}

async function run(connectionString: string, category: string, projections: boolean): Promise<RunResult> {
  const clients = Array.from({ length: WRITERS }, () => EventStoreDBClient.connectionString(connectionString));
  const streams = clients.map((_, w) => `${category}-${w}`);
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
        const appended = Array.from({ length: BATCH }, () => payload(w, n++));
        revision = (await client.appendToStream(streams[w]!, appended, { expectedRevision: revision })).nextExpectedRevision;
        events += BATCH;
      }
    }),
  );
  const acked = performance.now();
  let linkedRate: number | undefined;
  if (projections) {
    // Every event, the warm-up ones included, gets one link in $ce-<category>.
    const expected = events + WRITERS;
    while ((await linksIn(clients[0]!, `$ce-${category}`)) < expected) {
      if (performance.now() - acked > CATCH_UP_LIMIT_MS)
        throw new Error(`$ce-${category}: links not written within ${CATCH_UP_LIMIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    linkedRate = events / ((performance.now() - started) / 1000);
  }
  await Promise.all(clients.map((c) => c.dispose()));
  return { appendRate: events / ((acked - started) / 1000), linkedRate };
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const off = await startChild('--mem', '--run-projections=none');
  const on = await startChild('--mem', '--run-projections=system');
  const offRates: number[] = [];
  const onRates: number[] = [];
  const linkedRates: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      offRates.push((await run(off.connectionString, `off${i}`, false)).appendRate);
      const result = await run(on.connectionString, `on${i}`, true);
      onRates.push(result.appendRate);
      linkedRates.push(result.linkedRate!);
    }
  } finally {
    await stop(off.child);
    await stop(on.child);
  }
  const offRate = median(offRates);
  const onRate = median(onRates);
  const linkedRate = median(linkedRates);
  console.log(
    `projections benchmark: ${os.cpus().length} CPUs, Node ${process.version}, in memory, ${WRITERS} writers x ${BATCH}-event appends, median of ${RUNS} alternating runs of ${RUN_MS} ms`,
  );
  console.log(`projections   appended events/s   linked events/s`);
  console.log(`none          ${Math.round(offRate).toLocaleString('en-US').padStart(17)}   ${'-'.padStart(15)}`);
  console.log(
    `system        ${Math.round(onRate).toLocaleString('en-US').padStart(17)}   ${Math.round(linkedRate).toLocaleString('en-US').padStart(15)}`,
  );
  console.log('');
  console.log(`emulator append memory, projections none: ${Math.round(offRate)} events/s`);
  console.log(`emulator append memory, projections system: ${Math.round(onRate)} events/s`);
  console.log(`emulator append memory, projections system, until linked: ${Math.round(linkedRate)} events/s`);
  console.log(`emulator projections system/none append ratio: ${(onRate / offRate).toFixed(2)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
