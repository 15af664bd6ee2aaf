// `npm run bench:runtime`: events/s through a no-op function run by the runtime, against a bare
// @eventstore/db-client persistent-subscription loop with the same group settings and buffer size,
// on the same emulator in the same run. Prints both rates and, last, `runtime/bare ratio: X`.
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  EventStoreDBClient,
  jsonEvent,
  type PersistentSubscriptionToAllSettings,
  persistentSubscriptionToAllSettingsFromDefaults,
  START,
  streamNameFilter,
} from '@eventstore/db-client';
import { z } from 'zod';
import { defineFunction, startFunction } from '../src/index';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const ROUNDS = 4;
const BATCH = 100;
// The runtime's defaults: concurrency 10 plus a prefetch of 10 is the buffer size it asks for.
const BUFFER_SIZE = 20;
const PREFIX = 'bench-';

function settings(): PersistentSubscriptionToAllSettings {
  return persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START });
}

async function startEmulatorProcess(): Promise<{ connectionString: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'emulator-child.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const connectionString = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.split('\n')[0]!.trim());
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return {
    connectionString,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function seed(client: EventStoreDBClient): Promise<void> {
  for (let written = 0; written < EVENTS; written += BATCH) {
    const stream = `${PREFIX}${written / BATCH}`;
    const events = Array.from({ length: Math.min(BATCH, EVENTS - written) }, (_, i) =>
      jsonEvent({ type: 'Ticked', data: { n: written + i } }),
    );
    await client.appendToStream(stream, events);
  }
}

async function bare(client: EventStoreDBClient, group: string): Promise<number> {
  await client.createPersistentSubscriptionToAll(group, settings(), { filter: streamNameFilter({ prefixes: [PREFIX] }) });
  const started = process.hrtime.bigint();
  const subscription = client.subscribeToPersistentSubscriptionToAll(group, { bufferSize: BUFFER_SIZE });
  let acked = 0;
  for await (const event of subscription) {
    await subscription.ack(event);
    if (++acked === EVENTS) break;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await subscription.unsubscribe();
  return EVENTS / seconds;
}

async function runtime(connectionString: string, group: string): Promise<number> {
  let handled = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const fn = defineFunction({
    name: 'bench-noop',
    subscription: {
      source: { all: { streamNamePrefixes: [PREFIX] } },
      group,
      events: { Ticked: z.object({ n: z.number() }) },
      async handle() {
        if (++handled === EVENTS) setImmediate(done);
      },
    },
  });
  const started = process.hrtime.bigint();
  const running = await startFunction(fn, { esdbConnectionString: connectionString, port: 0, host: '127.0.0.1', logLevel: 'silent' });
  await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await running.close();
  return EVENTS / seconds;
}

async function main(): Promise<void> {
  const emulator = await startEmulatorProcess();
  const client = EventStoreDBClient.connectionString(emulator.connectionString);
  try {
    await seed(client);
    const rates = { bare: [] as number[], runtime: [] as number[] };
    // Alternate which goes first: the first reader of a round also warms the emulator up.
    for (let round = 1; round <= ROUNDS; round++) {
      const runBare = async () => rates.bare.push(await bare(client, `bench-bare-${round}`));
      const runRuntime = async () => rates.runtime.push(await runtime(emulator.connectionString, `bench-runtime-${round}`));
      if (round % 2 === 1) {
        await runBare();
        await runRuntime();
      } else {
        await runRuntime();
        await runBare();
      }
    }
    const best = (values: number[]) => Math.max(...values);
    const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
    process.stdout.write(
      `runtime benchmark: ${EVENTS} events in ${Math.ceil(EVENTS / BATCH)} streams of ${BATCH}, buffer ${BUFFER_SIZE}, ` +
        'emulator in memory in a child process, best of ' +
        `${ROUNDS} rounds\n` +
        `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}\n\n` +
        'round  bare events/s  runtime events/s\n' +
        rates.bare
          .map((rate, i) => `${String(i + 1).padStart(5)}  ${fmt(rate).padStart(13)}  ${fmt(rates.runtime[i]!).padStart(16)}\n`)
          .join('') +
        '\n' +
        `bare db-client loop: ${fmt(best(rates.bare))} events/s\n` +
        `runtime no-op function: ${fmt(best(rates.runtime))} events/s\n` +
        `runtime/bare ratio: ${(best(rates.runtime) / best(rates.bare)).toFixed(2)}\n`,
    );
  } finally {
    await client.dispose();
    await emulator.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench:runtime failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
