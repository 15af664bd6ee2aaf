// `npm run bench:rebuild`: how fast a read-model rebuild replays the log, against the projector's live
// throughput on the same events, in the same run, for PGlite and PostgreSQL. Live: the first version
// consumes the seeded log as a fresh projector would. Rebuild: `POST /read-model/rebuild` builds v1b
// beside it, timed from its start to the switch. Prints both rates and, last, `rebuild/live ratio: X`.
import { cpus, loadavg } from 'node:os';
import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';
import { startChild, stop } from '@spillway/emulator/src/testing/child-emulator';
import { type ReadModelStatus, startFunction } from '@spillway/runtime';
import orderProjector from '../src/index';
import { seedOrders } from '../src/testing/order-log';
import { scratchDatabase } from '../src/testing/scratch-database';

// Two events per order: 100,000 events by default.
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const ORDERS = Math.ceil(EVENTS / 2);
const POLL_MS = 200;
const KINDS = (process.env.BENCH_KINDS ?? 'pglite,postgres').split(',') as ('pglite' | 'postgres')[];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the group's checkpoint has reached `target` (the last seeded event's commit position). */
async function caughtUp(client: EventStoreDBClient, group: string, target: bigint): Promise<void> {
  for (;;) {
    try {
      const info = await client.getPersistentSubscriptionToAllInfo(group);
      const at = info.stats.lastCheckpointedEventPosition?.commit;
      const read = info.stats.lastKnownEventPosition?.commit;
      // A checkpoint past what the group has read is not one it processed (the emulator reports one at first).
      if (at !== undefined && at >= target && (read === undefined || at <= read)) return;
    } catch {
      // not created yet
    }
    await sleep(POLL_MS);
  }
}

/** The last order event's commit position (the emulator's projections write their links after it). */
async function lastPosition(client: EventStoreDBClient): Promise<bigint> {
  let last = 0n;
  for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 5_000 })) {
    const event = resolved.event;
    if (event?.streamId.startsWith('order-') && event.position && event.position.commit > last) last = event.position.commit;
  }
  if (last === 0n) throw new Error('no order event found at the end of $all');
  return last;
}

async function measure(kind: 'pglite' | 'postgres', connectionString: string, client: EventStoreDBClient, target: bigint) {
  const scratch = await scratchDatabase(kind);
  const env = scratch.databaseUrl ? { DATABASE_URL: scratch.databaseUrl } : { PGLITE_DATA_DIR: scratch.dataDir! };
  const started = process.hrtime.bigint();
  // The projector runs in this process (the emulator in a child): this process's CPU is the projector's.
  const cpuAtStart = process.cpuUsage();
  const running = await startFunction(orderProjector, {
    env,
    esdbConnectionString: connectionString,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    readModelDropGraceMs: 1_000,
  });
  try {
    await caughtUp(client, 'order-projector', target);
    const liveSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuLive = process.cpuUsage(cpuAtStart);
    const cpuAtRebuild = process.cpuUsage();
    if (process.env.BENCH_DEBUG) {
      const list = (await (await fetch(`${running.url}/orders?limit=100`)).json()) as { items: unknown[] };
      process.stderr.write(`live done after ${liveSeconds}s; orders page ${list.items.length}\n`);
    }
    const response = await fetch(`${running.url}/read-model/rebuild`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    if (response.status !== 202) throw new Error(`rebuild refused: ${response.status} ${await response.text()}`);
    let status: ReadModelStatus;
    for (;;) {
      status = (await (await fetch(`${running.url}/read-model`)).json()) as ReadModelStatus;
      if (status.serving?.label === 'v1b') break;
      await sleep(POLL_MS);
    }
    const v1b = status.generations.find((g) => g.label === 'v1b')!;
    const rebuildSeconds = (Date.parse(v1b.switchedAt!) - Date.parse(v1b.startedAt)) / 1000;
    const cpuRebuild = process.cpuUsage(cpuAtRebuild);
    const msPerEvent = (cpu: NodeJS.CpuUsage) => (cpu.user + cpu.system) / 1000 / EVENTS;
    return {
      live: EVENTS / liveSeconds,
      rebuild: EVENTS / rebuildSeconds,
      liveCpu: msPerEvent(cpuLive),
      rebuildCpu: msPerEvent(cpuRebuild),
    };
  } finally {
    await running.close();
    await scratch.drop();
  }
}

async function main(): Promise<void> {
  const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
  const lines: string[] = [];
  const ratios: number[] = [];
  for (const kind of KINDS) {
    // A fresh emulator per kind: each projector's first version reads the whole log from the start.
    // In its own process, so it does not share the measured projector's event loop.
    const emulator = await startChild('--mem');
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    try {
      await seedOrders(client, ORDERS);
      const target = await lastPosition(client);
      const { live, rebuild, liveCpu, rebuildCpu } = await measure(kind, emulator.connectionString, client, target);
      ratios.push(rebuild / live);
      lines.push(
        `${kind.padEnd(8)}  ${fmt(live).padStart(14)}  ${fmt(rebuild).padStart(17)}  ${(rebuild / live).toFixed(2).padStart(5)}  ` +
          `${liveCpu.toFixed(3).padStart(13)}  ${rebuildCpu.toFixed(3).padStart(16)}`,
      );
    } finally {
      await client.dispose();
      await stop(emulator.child);
    }
  }
  process.stdout.write(
    `rebuild benchmark: ${EVENTS} events (${ORDERS} orders: created, then reserved or rejected), emulator in memory in a child process\n` +
      `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n\n` +
      'database  live events/s  rebuild events/s  ratio  live CPU ms/ev  rebuild CPU ms/ev\n' +
      `${lines.join('\n')}\n\n` +
      `rebuild/live ratio: ${Math.min(...ratios).toFixed(2)}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench:rebuild failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
