// The emulator's own latency, part of `npm run bench:emulator`: the emulator in its own process (in memory,
// then durable, standard projections on as under `spillway dev`), loaded open loop at RATE one-event appends a
// second for SECONDS (fixed send times, 100 streams round robin), with one persistent-subscription consumer on
// `$all` (filtered to the bench's streams) acking every event. Append latency runs from an append's intended
// send time to its acknowledgement, delivery latency from the intended send time to the consumer receiving
// the event: both count the queueing a late send hides. Before the measured run the same load runs for
// WARMUP seconds unmeasured (its append p99 is reported as "cold"): in the first half second of a fresh
// emulator and client, a few hundred appends wait 20–100 ms while both compile their hot paths, which
// would otherwise be the whole p99 of a 10 s run. The disk's own write + fdatasync latency is measured
// first, in the durable node's folder, so the durable figures can be read against the physical limit.
// Prints a table, then one line per figure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  END,
  EventStoreDBClient,
  jsonEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  streamNameFilter,
} from '@eventstore/db-client';
import { startChild, stop } from '../src/testing/child-emulator';

/** A positive whole number from the environment, or the default; anything else stops the bench naming the setting. */
function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`latency bench: ${name} must be a positive whole number, got '${raw}'\n`);
    process.exit(2);
  }
  return value;
}

const RATE = setting('BENCH_LATENCY_RATE', 1_000);
const SECONDS = setting('BENCH_LATENCY_SECONDS', 10);
const WARMUP_SECONDS = setting('BENCH_LATENCY_WARMUP_SECONDS', 2);
const STREAMS = 100;
/** Writes timed for the disk's figure. */
const DISK_SAMPLES = 1_000;
const DISK_WRITE_BYTES = 4_096;
/** How long the consumer may take after the last send before the run is called failed. */
const DELIVERY_WAIT_MS = 60_000;

interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

const ms = (value: number) => (Math.round(value * 100) / 100).toString();
const triple = (p: Percentiles) => `${ms(p.p50)} / ${ms(p.p99)} / ${ms(p.max)}`;

/** write(4 KiB) + fdatasync at one offset, DISK_SAMPLES times, in `dir`: what one durable group commit costs at least. */
function diskSyncLatency(dir: string): Percentiles {
  const file = path.join(dir, 'fsync-probe');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(DISK_WRITE_BYTES, 1);
  const samples: number[] = [];
  try {
    for (let i = 0; i < DISK_SAMPLES; i++) {
      const started = performance.now();
      fs.writeSync(fd, block, 0, block.length, 0);
      fs.fdatasyncSync(fd);
      samples.push(performance.now() - started);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return percentiles(samples);
}

interface Run {
  readonly sent: number;
  /** Appends of the unmeasured warm-up, from their intended send time. */
  readonly cold: Percentiles;
  readonly append: Percentiles;
  readonly delivery: Percentiles;
  /** How late the generator fired its latest append. */
  readonly sendLagMs: number;
}

/** Sends RATE appends a second for SECONDS while one consumer acks them; latencies from each intended send time. */
async function openLoop(connectionString: string, prefix: string): Promise<Run> {
  const writer = EventStoreDBClient.connectionString(connectionString);
  const reader = EventStoreDBClient.connectionString(connectionString);
  const group = `${prefix}group`;
  await reader.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults({ startFrom: END }), {
    filter: streamNameFilter({ prefixes: [prefix] }),
  });
  const total = RATE * SECONDS;
  const intended = new Float64Array(total);
  const deliveries: number[] = [];
  let allDelivered: () => void = () => undefined;
  const delivered = new Promise<void>((resolve) => {
    allDelivered = resolve;
  });
  const subscription = reader.subscribeToPersistentSubscriptionToAll(group, { bufferSize: 100 });
  subscription.on('data', (resolved) => {
    const received = performance.now();
    void subscription.ack(resolved);
    const i = (resolved.event?.data as { i?: number } | undefined)?.i ?? -1;
    // The warm-up appends (i = -1) are not in the figures.
    if (i < 0) return;
    deliveries.push(received - (intended[i] as number));
    if (deliveries.length === total) allDelivered();
  });
  // One append first, outside the figures: connections and the subscription are up before the clock starts.
  await writer.appendToStream(`${prefix}warm`, jsonEvent({ type: 'LatencyProbe', data: { i: -1 } }));

  let sendLagMs = 0;
  const append = (i: number, data: Record<string, unknown>) =>
    writer.appendToStream(`${prefix}${i % STREAMS}`, jsonEvent({ type: 'LatencyProbe', data }));
  /** Calls `fire(i, at)` for `count` arrivals at RATE, each at its intended time `at`, and waits for what they return. */
  async function paced(count: number, fire: (i: number, at: number) => Promise<void>): Promise<void> {
    const start = performance.now() + 20;
    const fired: Promise<void>[] = [];
    // Each wake-up fires every arrival whose time has come, never one early; a late wake-up shows in the latencies.
    for (let i = 0; i < count; ) {
      const now = performance.now();
      while (i < count && start + (i * 1000) / RATE <= now) {
        const at = start + (i * 1000) / RATE;
        sendLagMs = Math.max(sendLagMs, now - at);
        fired.push(fire(i, at));
        i++;
      }
      if (i < count) await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + (i * 1000) / RATE - performance.now())));
    }
    await Promise.all(fired);
  }

  // The warm-up's events carry i = -1: the consumer acks them and leaves them out of the figures.
  const cold: number[] = [];
  await paced(RATE * WARMUP_SECONDS, async (i, at) => {
    await append(i, { i: -1, quantity: 1 });
    cold.push(performance.now() - at);
  });
  sendLagMs = 0;
  const appends: number[] = [];
  await paced(total, async (i, at) => {
    intended[i] = at;
    await append(i, { i, orderId: `order-${i}`, quantity: 1 });
    appends.push(performance.now() - at);
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${total - deliveries.length} of ${total} events not delivered within ${DELIVERY_WAIT_MS} ms`)),
      DELIVERY_WAIT_MS,
    );
  });
  try {
    await Promise.race([delivered, late]);
  } finally {
    clearTimeout(timer);
  }
  await subscription.unsubscribe();
  await Promise.all([writer.dispose(), reader.dispose()]);
  return { sent: total, cold: percentiles(cold), append: percentiles(appends), delivery: percentiles(deliveries), sendLagMs };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-bench-latency-'));
  const rows: { mode: 'memory' | 'durable'; run: Run }[] = [];
  let disk: Percentiles;
  try {
    disk = diskSyncLatency(dataDir);
    for (const mode of ['memory', 'durable'] as const) {
      const child = await startChild(mode === 'memory' ? '--mem' : dataDir);
      try {
        rows.push({ mode, run: await openLoop(child.connectionString, `latency-${mode}-`) });
      } finally {
        await stop(child.child);
      }
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  console.log(
    `emulator latency benchmark: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ` +
      `open loop ${RATE} one-event appends/s for ${SECONDS} s (after ${WARMUP_SECONDS} s unmeasured) over ${STREAMS} streams, ` +
      'one persistent-subscription consumer on $all acking each',
  );
  console.log(
    `disk write ${DISK_WRITE_BYTES} B + fdatasync (${DISK_SAMPLES}×, in the durable node's folder): p50 / p99 / max ${triple(disk)} ms`,
  );
  const header = ['mode', 'appends', 'append p50 / p99 / max ms', 'delivery p50 / p99 / max ms', 'send lag max ms', 'cold append p99 ms'];
  const cells = rows.map(({ mode, run }) => [
    mode,
    String(run.sent),
    triple(run.append),
    triple(run.delivery),
    ms(run.sendLagMs),
    ms(run.cold.p99),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  for (const c of cells) console.log(line(c));
  console.log('');
  for (const { mode, run } of rows) {
    console.log(
      `emulator latency ${mode} at ${RATE} appends/s: append p99 ${ms(run.append.p99)} ms, delivery p99 ${ms(run.delivery.p99)} ms` +
        (mode === 'durable' ? ` (disk fdatasync p99 ${ms(disk.p99)} ms)` : ''),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
