import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EventStoreDBClient,
  jsonEvent,
  MaxAppendSizeExceededError,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
  UnavailableError,
} from '@eventstore/db-client';
import { OperationsClient } from '@eventstore/db-client/generated/operations_grpc_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import { within } from '../testing/child-emulator';

/**
 * `spillway emulator` as an operator runs it: stopped by SIGTERM or by Operations.Shutdown, every
 * open call ends with UNAVAILABLE (never a clean end), what was acknowledged is in the log after
 * a restart, and the process exits 0; its append limit comes from the flag or the server's
 * EVENTSTORE_MAX_APPEND_SIZE.
 */
const CLI = path.join(__dirname, '..', '..', '..', 'cli', 'bin', 'spillway.js');
/** Hang detectors, not speed checks: a CLI loads TypeScript through tsx, slow on a loaded machine. */
const START_TIMEOUT_MS = 30_000;
const SETTLE_MS = 30_000;
jest.setTimeout(180_000);

interface Cli {
  readonly process: ChildProcess;
  readonly connectionString: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

const children: ChildProcess[] = [];
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-stop-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function startCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Cli> {
  const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return within(
    START_TIMEOUT_MS,
    'spillway emulator printed its connection string',
    new Promise<Cli>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('esdb://'));
        if (line) resolve({ process: child, connectionString: line.trim(), exited, stderr: () => err });
      });
      child.once('exit', (code) => reject(new Error(`spillway emulator exited with ${code}: ${err}`)));
    }),
  );
}

/** How a subscription ended: its error, or the words 'ended cleanly'. */
const endOf = (subscription: NodeJS.EventEmitter) =>
  new Promise<unknown>((resolve) => {
    subscription.once('error', (error) => resolve(error));
    subscription.once('end', () => resolve('ended cleanly'));
  });

/** Open calls of every kind on `client`: a catch-up and a persistent subscription, both live, and appends in flight. */
async function openCalls(client: EventStoreDBClient) {
  await client.appendToStream('watched-1', jsonEvent({ type: 'Seen', data: {} }));
  await client.createPersistentSubscriptionToStream(
    'watched-1',
    'g',
    persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START }),
  );
  const catchUp = client.subscribeToStream('watched-1', { fromRevision: START });
  const persistent = client.subscribeToPersistentSubscriptionToStream('watched-1', 'g');
  const ends = Promise.all([endOf(catchUp), endOf(persistent)]);
  await within(SETTLE_MS, 'catch-up delivery', new Promise((resolve) => catchUp.once('data', resolve)));
  await within(SETTLE_MS, 'persistent delivery', new Promise((resolve) => persistent.once('data', resolve)));

  const acknowledged: string[] = [];
  const failures: unknown[] = [];
  // Each writer appends until the node stops under it.
  const writer = async (stream: string) => {
    for (;;) {
      const events = Array.from({ length: 5 }, () => jsonEvent({ id: randomUUID(), type: 'Written', data: {} }));
      try {
        await client.appendToStream(stream, events);
        acknowledged.push(...events.map((e) => e.id));
      } catch (error) {
        failures.push(error);
        return;
      }
    }
  };
  const writing = Promise.all(Array.from({ length: 3 }, (_, i) => writer(`stop-${i}`)));
  while (acknowledged.length < 50) await new Promise((resolve) => setTimeout(resolve, 5));
  const settled = async () => {
    const subscriptions = await within(SETTLE_MS, 'both subscriptions ended', ends);
    await within(SETTLE_MS, 'every pending append settled', writing);
    return { subscriptions, failures, acknowledged };
  };
  return { settled };
}

async function storedIds(connectionString: string, streams: readonly string[]): Promise<Set<string>> {
  const reader = EventStoreDBClient.connectionString(connectionString);
  try {
    const ids = new Set<string>();
    for (const stream of streams) for await (const e of reader.readStream(stream, { fromRevision: START })) ids.add(e.event!.id);
    return ids;
  } finally {
    await reader.dispose();
  }
}

const stops: [string, (cli: Cli) => void][] = [
  [
    'SIGTERM',
    (cli: Cli): void => {
      cli.process.kill('SIGTERM');
    },
  ],
  [
    'Operations.Shutdown',
    (cli: Cli): void => {
      const operations = new OperationsClient(
        cli.connectionString.replace(/^esdb:\/\/([^?]+)\?.*$/, '$1'),
        grpc.credentials.createInsecure(),
      );
      operations.shutdown(new Empty(), () => operations.close());
    },
  ],
];
test.each(stops)('on %s, open calls end with UNAVAILABLE, acknowledged appends survive, the process exits 0', async (_how, stopIt) => {
  const first = await startCli(['--data-dir', dir]);
  const client = EventStoreDBClient.connectionString(first.connectionString);
  try {
    const calls = await openCalls(client);
    stopIt(first);
    const { subscriptions, failures, acknowledged } = await calls.settled();
    expect(subscriptions.map((s) => s instanceof UnavailableError)).toEqual([true, true]);
    // Every writer's pending append was rejected (the in-flight BatchAppend ended with an error), none left hanging.
    expect(failures).toHaveLength(3);
    expect(await within(SETTLE_MS, 'the process exited', first.exited)).toBe(0);
    expect(first.stderr()).toContain(`emulator: ${_how}, flushing and stopping`);

    const second = await startCli(['--data-dir', dir]);
    const stored = await storedIds(second.connectionString, ['stop-0', 'stop-1', 'stop-2']);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  } finally {
    await client.dispose();
  }
});

test.each([
  ['the --max-append-size flag', ['--max-append-size', '2000'], {}],
  ['the server variable EVENTSTORE_MAX_APPEND_SIZE', [], { EVENTSTORE_MAX_APPEND_SIZE: '2000' }],
] as const)('%s sets the append limit of spillway emulator', async (_label, flags, env) => {
  const cli = await startCli(['--mem', '--run-projections', 'none', ...flags], { ...process.env, ...env });
  const client = EventStoreDBClient.connectionString(cli.connectionString);
  try {
    const error = await client.appendToStream('sized', jsonEvent({ type: 'Big', data: { text: 'x'.repeat(2100) } })).catch((e) => e);
    expect(error).toBeInstanceOf(MaxAppendSizeExceededError);
    expect((error as MaxAppendSizeExceededError).maxAppendSize).toBe(2000);
  } finally {
    await client.dispose();
    cli.process.kill('SIGTERM');
    await cli.exited;
  }
});
