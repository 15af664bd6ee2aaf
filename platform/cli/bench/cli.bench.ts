// `npm run bench:cli`: how long one-shot commands take from start to exit, as a user waits for them:
// `spillway status` and `spillway parked` against an in-memory emulator with one subscription group,
// beside `spillway --help` (the bin and tsx alone) measured in the same run. Median of 7 runs each.
// The last line: `cli: status X s, parked Y s, --help Z s (status/help R, parked/help S)`.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EventStoreDBClient, persistentSubscriptionToAllSettingsFromDefaults } from '@eventstore/db-client';

const RUNS = 7;
// BENCH_CLI_ROOT=/path/to/checkout times another checkout's bin (a before/after comparison in one sitting).
const BIN = join(process.env.BENCH_CLI_ROOT ?? join(__dirname, '..', '..', '..'), 'platform', 'cli', 'bin', 'spillway.js');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Wall time of one run, start to exit. Asynchronous: the emulator answering it runs in this process. */
async function timed(args: string[], env: Record<string, string>): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`spillway ${args.join(' ')} exited ${code}: ${stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main(): Promise<void> {
  const { startEmulator } = require('@spillway/emulator') as {
    startEmulator(options: { memory: true; port: 0 }): Promise<{ connectionString: string; close(): Promise<void> }>;
  };
  const emulator = await startEmulator({ memory: true, port: 0 });
  const client = EventStoreDBClient.connectionString(emulator.connectionString);
  try {
    await client.createPersistentSubscriptionToAll('bench-group', persistentSubscriptionToAllSettingsFromDefaults());
    const rows: [string, number][] = [];
    for (const [name, args] of [
      ['--help', ['--help']],
      ['status', ['status']],
      ['parked', ['parked']],
    ] as const) {
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) times.push(await timed([...args], { ESDB_CONNECTION_STRING: emulator.connectionString }));
      rows.push([name, median(times)]);
      process.stdout.write(`${name.padEnd(8)} median ${median(times).toFixed(2)} s (runs: ${times.map((t) => t.toFixed(2)).join(', ')})\n`);
    }
    const [help, status, parked] = rows.map(([, seconds]) => seconds) as [number, number, number];
    process.stdout.write(
      `cli: status ${status.toFixed(2)} s, parked ${parked.toFixed(2)} s, --help ${help.toFixed(2)} s (status/help ${(status / help).toFixed(2)}, parked/help ${(parked / help).toFixed(2)})\n`,
    );
  } finally {
    await client.dispose();
    await emulator.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench cli: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
