import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { LOG_FILE } from './file-journal';

const ENTRY = path.join(__dirname, '..', 'testing', 'emulator-process.ts');
const CLI = path.join(__dirname, '..', '..', '..', 'cli', 'bin', 'spillway.js');
const START_TIMEOUT_MS = 20_000;

interface Child {
  readonly process: ChildProcess;
  readonly connectionString: string;
  readonly exited: Promise<number | null>;
}

/** Starts an emulator process and waits for the connection string it prints. */
function start(args: readonly string[]): Promise<Child> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`emulator did not start: ${err}`));
    }, START_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('esdb://'));
      if (line) {
        clearTimeout(timer);
        resolve({ process: child, connectionString: line.trim(), exited });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code} before starting: ${err}`));
    });
  });
}

const startEntry = (dataDir: string) => start(['--require', 'tsx/cjs', ENTRY, dataDir]);

async function readIds(client: EventStoreDBClient, stream: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of client.readStream(stream)) ids.push(e.event!.id);
  return ids;
}

const children: ChildProcess[] = [];
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-durable-'));
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('every acknowledged append survives SIGKILL in the middle of concurrent writes, in order', async () => {
  const first = await startEntry(dir);
  children.push(first.process);
  const client = EventStoreDBClient.connectionString(first.connectionString);
  const acknowledged = new Map<string, string[]>();
  const attempted = new Map<string, string[]>();
  let total = 0;
  const writer = async (stream: string) => {
    acknowledged.set(stream, []);
    attempted.set(stream, []);
    let revision = -1n;
    for (;;) {
      const events = [0, 1, 2].map((n) => jsonEvent({ type: 'Written', data: { n } }));
      attempted.get(stream)!.push(...events.map((e) => e.id));
      try {
        const result = await client.appendToStream(stream, events, { expectedRevision: revision < 0n ? 'no_stream' : revision });
        revision = result.nextExpectedRevision;
        acknowledged.get(stream)!.push(...events.map((e) => e.id));
        total += events.length;
      } catch {
        return;
      }
    }
  };
  const streams = Array.from({ length: 4 }, (_, i) => `durable-${i}-${randomUUID()}`);
  const writing = Promise.all(streams.map(writer));
  while (total < 600) await new Promise((resolve) => setTimeout(resolve, 5));
  first.process.kill('SIGKILL');
  await writing;
  await first.exited;
  await client.dispose();

  const second = await startEntry(dir);
  children.push(second.process);
  const reader = EventStoreDBClient.connectionString(second.connectionString);
  for (const stream of streams) {
    const ids = await readIds(reader, stream);
    const acked = acknowledged.get(stream)!;
    expect(ids.slice(0, acked.length)).toEqual(acked);
    // Anything beyond was in flight when the process died: whole batches, in the order tried.
    expect(ids).toEqual(attempted.get(stream)!.slice(0, ids.length));
    expect((ids.length - acked.length) % 3).toBe(0);
  }
  await reader.dispose();
  second.process.kill('SIGTERM');
  expect(await second.exited).toBe(0);
});

test('a torn tail is cut off on start and the log stays writable', async () => {
  const first = await startEntry(dir);
  children.push(first.process);
  const client = EventStoreDBClient.connectionString(first.connectionString);
  for (let n = 0; n < 5; n++) await client.appendToStream('torn', jsonEvent({ type: 'Step', data: { n } }));
  await client.dispose();
  first.process.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  const file = path.join(dir, LOG_FILE);
  fs.truncateSync(file, fs.statSync(file).size - 5);

  const second = await startEntry(dir);
  children.push(second.process);
  const reader = EventStoreDBClient.connectionString(second.connectionString);
  expect(await readIds(reader, 'torn')).toHaveLength(4);
  const next = await reader.appendToStream('torn', jsonEvent({ type: 'Step', data: { n: 5 } }), { expectedRevision: 3n });
  expect(next.nextExpectedRevision).toBe(4n);
  await reader.dispose();
  second.process.kill('SIGTERM');
  expect(await second.exited).toBe(0);
});

test('`spillway emulator` prints its connection string, flushes on SIGTERM and exits 0', async () => {
  const args = [CLI, 'emulator', '--port', '0', '--data-dir', dir];
  const first = await start(args);
  children.push(first.process);
  expect(first.connectionString).toMatch(/^esdb:\/\/127\.0\.0\.1:\d+\?tls=false$/);
  const client = EventStoreDBClient.connectionString(first.connectionString);
  const event = jsonEvent({ type: 'Kept', data: {} });
  await client.appendToStream('cli-durable', event);
  await client.dispose();
  first.process.kill('SIGTERM');
  expect(await first.exited).toBe(0);

  const second = await start(args);
  children.push(second.process);
  const reader = EventStoreDBClient.connectionString(second.connectionString);
  expect(await readIds(reader, 'cli-durable')).toEqual([event.id]);
  await reader.dispose();
  second.process.kill('SIGINT');
  expect(await second.exited).toBe(0);
});
