// `npm run bench:emulator`: the emulator in its own process, driven through @eventstore/db-client
// as an application would. Append throughput for 1 and 8 concurrent writers (one client each)
// of 1- and 100-event appends, durable (fdatasync before every acknowledgement) and in memory;
// then the $all read rate and the catch-up subscription delivery rate over what was written.
// Every figure counts events acknowledged (or delivered) to the client per second of wall time.
// Each storage mode runs twice side by side, runs alternating: projections `none` (the real
// server's default, and what this benchmark measured before the emulator had projections) and
// `system` (the emulator's default: links to `$ce-bench`, `$et-OrderPlaced`, ... behind every
// append); a `system` run ends once its links are written, so the next run starts on a quiet
// emulator, and its $all figures count the links too. Prints a table, then one line per figure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventStoreDBClient, jsonEvent, START } from '@eventstore/db-client';
import { startChild, stop } from '../src/testing/child-emulator';
import { linksIn } from './links';

/** One append run: long enough to smooth out group-commit and GC noise. */
const RUN_MS = 2_000;
/**
 * Each append figure is the median of this many runs: the machine is shared, and a single
 * run can land on a burst of other work; the whole benchmark still takes about a minute.
 */
const RUNS = 3;
const PROJECTIONS = ['none', 'system'] as const;
type Projections = (typeof PROJECTIONS)[number];
/** How long a `system` emulator may take to write the links of a run before the benchmark fails. */
const LINKS_LIMIT_MS = 120_000;
/** Every benchmark stream is `bench-...`: its links go to `$ce-bench`. */
const CATEGORY_STREAM = '$ce-bench';

const payload = (writer: number, n: number) =>
  jsonEvent({ type: 'OrderPlaced', data: { orderId: `order-${writer}-${n}`, sku: 'SKU-0042', quantity: 3, priceCents: 1999 } });

interface Child {
  readonly projections: Projections;
  readonly connectionString: string;
  /** Events appended to it so far, warm-ups included: with `system`, the links `$ce-bench` should end up with. */
  appended: number;
}

/** Waits until a `system` emulator has linked everything appended to it (a `none` one has nothing to do). */
async function linksWritten(child: Child): Promise<void> {
  if (child.projections === 'none') return;
  const client = EventStoreDBClient.connectionString(child.connectionString);
  const started = performance.now();
  try {
    while ((await linksIn(client, CATEGORY_STREAM)) < child.appended) {
      if (performance.now() - started > LINKS_LIMIT_MS)
        throw new Error(`${CATEGORY_STREAM}: links not written within ${LINKS_LIMIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await client.dispose();
  }
}

/** `writers` clients each append `batch`-event appends to their own stream for RUN_MS; events/s acknowledged. */
async function appendRate(child: Child, label: string, writers: number, batch: number): Promise<number> {
  const connectionString = child.connectionString;
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
  child.appended += writers + events;
  await Promise.all(clients.map((c) => c.dispose()));
  await linksWritten(child);
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
  readonly projections: Projections;
  readonly writers: string;
  readonly batch: string;
  readonly rate: number;
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dataDirs = PROJECTIONS.map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-bench-')));
  try {
    for (const mode of ['memory', 'durable'] as const) {
      const started = await Promise.all(
        PROJECTIONS.map((projections, i) => startChild(mode === 'memory' ? '--mem' : dataDirs[i]!, `--run-projections=${projections}`)),
      );
      const children: Child[] = started.map((c, i) => ({
        projections: PROJECTIONS[i]!,
        connectionString: c.connectionString,
        appended: 0,
      }));
      try {
        for (const writers of [1, 8]) {
          for (const batch of [1, 100]) {
            const rates = children.map((): number[] => []);
            for (let run = 0; run < RUNS; run++) {
              for (const [i, child] of children.entries()) {
                rates[i]!.push(await appendRate(child, `${mode}${run}-${child.projections}`, writers, batch));
              }
            }
            for (const [i, child] of children.entries()) {
              const rate = median(rates[i]!);
              rows.push({ figure: 'append', mode, projections: child.projections, writers: String(writers), batch: String(batch), rate });
            }
          }
        }
        for (const child of children) {
          const read = await readAllRate(child.connectionString);
          rows.push({
            figure: `$all read (${read.events} events)`,
            mode,
            projections: child.projections,
            writers: '1',
            batch: '-',
            rate: read.rate,
          });
          const catchUp = await catchUpRate(child.connectionString, read.events);
          rows.push({ figure: 'catch-up subscription', mode, projections: child.projections, writers: '1', batch: '-', rate: catchUp });
        }
      } finally {
        await Promise.all(started.map((c) => stop(c.child)));
      }
    }
  } finally {
    for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  }

  const header = ['figure', 'mode', 'projections', 'writers', 'events/append', 'events/s'];
  const cells = rows.map((r) => [r.figure, r.mode, r.projections, r.writers, r.batch, Math.round(r.rate).toLocaleString('en-US')]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ');
  console.log(
    `emulator benchmark: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, append figures are the median of ${RUNS} runs of ${RUN_MS} ms, projections none and system alternating`,
  );
  console.log(line(header));
  for (const c of cells) console.log(line(c));
  console.log('');
  for (const r of rows) {
    const shape = r.batch === '-' ? '' : `, ${r.writers} writer${r.writers === '1' ? '' : 's'} x ${r.batch}-event appends`;
    console.log(
      `emulator ${r.figure.replace(/ \(.*\)/, '')} ${r.mode}${shape}, projections ${r.projections}: ${Math.round(r.rate)} events/s`,
    );
  }
  for (const mode of ['memory', 'durable']) {
    const of = (projections: Projections) =>
      rows.find((r) => r.figure === 'append' && r.mode === mode && r.projections === projections && r.writers === '8' && r.batch === '100')!
        .rate;
    console.log(
      `emulator append ${mode}, 8 writers x 100-event appends, projections system/none ratio: ${(of('system') / of('none')).toFixed(2)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
