// `npm run bench:emulator` (memory.bench.ts): the durable emulator's memory with a large log.
// One child emulator (projections off: this measures the store, not the links they add), 8
// clients append 1,000,000 events (100-event appends, 10,000 streams of 100 events); then:
// the child's RSS, the read rate of old events (the first streams and the start of $all,
// long out of the cache) against recent ones in the same run, and the time a restart takes
// to scan and index the whole log. Prints a table, then one line per figure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventStoreDBClient, jsonEvent, START } from '@eventstore/db-client';
import { startChild, stop } from '../src/testing/child-emulator';

const TOTAL_EVENTS = 1_000_000;
const BATCH = 100;
const STREAMS = TOTAL_EVENTS / BATCH;
const WRITERS = 8;
/**
 * Events read for each read figure. The cache keeps 32 MiB of the 157 MB log (the newest
 * ~200,000 of these events, and what reads bring back), so the first streams are read from disk.
 */
const READ_EVENTS = 100_000;
const RSS_TARGET_MB = 300;

const stream = (k: number) => `memory-bench-${k}`;
const payload = (k: number, n: number) =>
  jsonEvent({ type: 'OrderPlaced', data: { orderId: `order-${k}-${n}`, sku: 'SKU-0042', quantity: 3, priceCents: 1999 } });

/** Resident and peak resident memory of a process, in MB (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function appendAll(connectionString: string): Promise<number> {
  const clients = Array.from({ length: WRITERS }, () => EventStoreDBClient.connectionString(connectionString));
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, w) => {
      for (let k = w; k < STREAMS; k += WRITERS) {
        await client.appendToStream(
          stream(k),
          Array.from({ length: BATCH }, (_, n) => payload(k, n)),
          { expectedRevision: 'no_stream' },
        );
      }
    }),
  );
  const rate = TOTAL_EVENTS / ((performance.now() - started) / 1000);
  await Promise.all(clients.map((c) => c.dispose()));
  return rate;
}

/** Reads `READ_EVENTS` events stream by stream, streams `first`, `first + 1`, ...; events/s. */
async function streamReadRate(client: EventStoreDBClient, first: number): Promise<number> {
  let events = 0;
  const started = performance.now();
  for (let k = first; events < READ_EVENTS; k++) {
    for await (const _ of client.readStream(stream(k))) events++;
  }
  return events / ((performance.now() - started) / 1000);
}

async function allReadRate(client: EventStoreDBClient): Promise<number> {
  let events = 0;
  const started = performance.now();
  for await (const _ of client.readAll({ fromPosition: START, maxCount: READ_EVENTS })) events++;
  return events / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-memory-bench-'));
  const lines: [string, string][] = [];
  try {
    const first = await startChild(dataDir, '--run-projections=none');
    let sizeMb = 0;
    try {
      const appendRate = await appendAll(first.connectionString);
      lines.push(['append rate, 8 writers x 100-event appends (events/s)', Math.round(appendRate).toString()]);
      const afterAppends = memoryOf(first.child.pid!);
      lines.push([
        `RSS after ${TOTAL_EVENTS.toLocaleString('en-US')} appended events (MB, target < ${RSS_TARGET_MB})`,
        afterAppends.rss.toFixed(0),
      ]);
      lines.push(['peak RSS while appending (MB)', afterAppends.peak.toFixed(0)]);
      sizeMb = fs.statSync(path.join(dataDir, 'events.spwlog')).size / 1024 / 1024;
      lines.push(['log file size (MB)', sizeMb.toFixed(0)]);

      const client = EventStoreDBClient.connectionString(first.connectionString);
      const old = await streamReadRate(client, 0);
      const recent = await streamReadRate(client, STREAMS - READ_EVENTS / BATCH);
      lines.push(['old events read by stream, first 1,000 streams (events/s)', Math.round(old).toString()]);
      lines.push(['recent events read by stream, last 1,000 streams (events/s)', Math.round(recent).toString()]);
      lines.push(['old/recent read ratio', (old / recent).toFixed(2)]);
      lines.push([
        `$all read from the start, ${READ_EVENTS.toLocaleString('en-US')} events (events/s)`,
        Math.round(await allReadRate(client)).toString(),
      ]);
      await client.dispose();
      lines.push(['RSS after the reads (MB)', memoryOf(first.child.pid!).rss.toFixed(0)]);
    } finally {
      await stop(first.child);
    }

    const started = performance.now();
    const second = await startChild(dataDir, '--run-projections=none');
    const startup = (performance.now() - started) / 1000;
    try {
      lines.push([
        `restart: scan and index ${TOTAL_EVENTS.toLocaleString('en-US')} events, ${sizeMb.toFixed(0)} MB (s)`,
        startup.toFixed(1),
      ]);
      lines.push(['RSS after the restart (MB)', memoryOf(second.child.pid!).rss.toFixed(0)]);
      const client = EventStoreDBClient.connectionString(second.connectionString);
      lines.push(['old events read by stream after the restart (events/s)', Math.round(await streamReadRate(client, 0)).toString()]);
      await client.dispose();
    } finally {
      await stop(second.child);
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  console.log(`emulator memory benchmark: durable, projections off, ${os.cpus().length} CPUs, Node ${process.version}`);
  const width = Math.max(...lines.map(([label]) => label.length));
  for (const [label, value] of lines) console.log(`${label.padEnd(width)}  ${value.padStart(8)}`);
  console.log('');
  for (const [label, value] of lines) console.log(`emulator memory ${label}: ${value}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
