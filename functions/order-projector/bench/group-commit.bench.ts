// `npm run bench:group-commit`: the projector's group commit fed a steady flow of events, open loop
// (each event handed over at its scheduled time, latency from that time), on PGlite: with the busy
// gather window (a busy projector's next batch waits a few ms for the events right behind it) against
// without it (every batch starts at once), alternating, in one run. Prints CPU per event, transactions
// per event and apply latency for each, and, last, `group commit gather/none CPU ratio: X at R events/s`.
//
// BENCH_RATE (events/s, default 600, about what 200 orders/s hand the projector), BENCH_SECONDS
// (default 10) and BENCH_PASSES (default 2).
import { loadavg } from 'node:os';
import { migrate, openSqlDatabase, type SqlDatabase } from '@spillway/runtime';
import { type ProjectedEvent, project } from '../src/decider';
import { GroupCommit } from '../src/read-model/group-commit';
import { migrations } from '../src/read-model/migrations';
import { scratchDatabase } from '../src/testing/scratch-database';

/** A positive whole number from the environment, or the default; anything else stops the bench with its name. */
function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`bench:group-commit: ${name} must be a positive whole number, got '${raw}'\n`);
    process.exit(2);
  }
  return value;
}

const RATE = setting('BENCH_RATE', 600);
const SECONDS = setting('BENCH_SECONDS', 10);
const PASSES = setting('BENCH_PASSES', 2);
// The projector's own gather window against none at all (never busy: the behaviour before the window).
const MODES = {
  gather: undefined,
  none: { busyMs: 0, gatherMs: 0, quietMs: 0 },
} as const;

interface Pass {
  readonly cpuMsPerEvent: number;
  readonly transactionsPerEvent: number;
  readonly p50: number;
  readonly p99: number;
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** An order's two events on its own stream, as the projector sees them: created, then reserved. */
function orderEvents(n: number): { event: ProjectedEvent; revision: bigint }[] {
  const orderId = `bench-${n}`;
  const sku = `sku-${n % 8}`;
  return [
    {
      revision: 0n,
      event: {
        streamId: `order-${orderId}`,
        type: 'OrderCreated',
        data: {
          orderId,
          customerId: 'c-1',
          items: [{ sku, quantity: 1, unitPrice: 1 }],
          totalAmount: 1,
          currency: 'EUR',
          createdAt: new Date(0).toISOString(),
        },
      } as ProjectedEvent,
    },
    {
      revision: 1n,
      event: { streamId: `order-${orderId}`, type: 'StockReserved', data: { orderId, items: [{ sku, quantity: 1 }] } } as ProjectedEvent,
    },
  ];
}

async function run(db: SqlDatabase, mode: keyof typeof MODES, first: number): Promise<Pass> {
  let transactions = 0;
  const counted: SqlDatabase = {
    ...db,
    transaction: (work) => {
      transactions++;
      return db.transaction(work);
    },
  };
  const commits = new GroupCommit(counted, MODES[mode]);
  const total = RATE * SECONDS;
  const latencies: number[] = [];
  const pending: Promise<unknown>[] = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  // Orders at fixed times; each order's second event follows its first once that is applied, as a stream's do.
  for (let sent = 0; sent < total; sent += 2) {
    const due = start + (sent * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const [created, reserved] = orderEvents(first + sent / 2);
    pending.push(
      (async () => {
        for (const { event, revision } of [created!, reserved!]) {
          await commits.apply({ streamId: event.streamId, revision, changes: project(event) });
          latencies.push(performance.now() - due);
        }
      })(),
    );
  }
  await Promise.all(pending);
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  return {
    cpuMsPerEvent: (used.user + used.system) / 1000 / total,
    transactionsPerEvent: transactions / total,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

async function main(): Promise<void> {
  const scratch = await scratchDatabase('pglite');
  const db = await openSqlDatabase(scratch);
  try {
    await migrate(db, migrations);
    process.stdout.write(`group commit on PGlite, ${RATE} events/s for ${SECONDS} s, load average ${loadavg()[0]?.toFixed(1)}\n`);
    const results: Record<string, Pass[]> = { gather: [], none: [] };
    let first = 0;
    for (let pass = 0; pass < PASSES; pass++) {
      for (const mode of pass % 2 === 0 ? (['none', 'gather'] as const) : (['gather', 'none'] as const)) {
        const result = await run(db, mode, first);
        first += RATE * SECONDS;
        results[mode]!.push(result);
        process.stdout.write(
          `  ${mode.padEnd(6)} CPU ${result.cpuMsPerEvent.toFixed(3)} ms/event, ${result.transactionsPerEvent.toFixed(2)} transactions/event, apply p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms\n`,
        );
      }
    }
    const mean = (passes: Pass[]) => passes.reduce((sum, p) => sum + p.cpuMsPerEvent, 0) / passes.length;
    process.stdout.write(
      `group commit gather/none CPU ratio: ${(mean(results.gather!) / mean(results.none!)).toFixed(2)} at ${RATE} events/s\n`,
    );
  } finally {
    await db.close();
    await scratch.drop();
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
