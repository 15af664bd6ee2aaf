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
/** Six CLI processes one after another, each loading TypeScript through tsx: slow on a loaded machine. */
const CLI_RUNS_TIMEOUT_MS = 120_000;

interface Child {
  readonly process: ChildProcess;
  readonly connectionString: string;
  readonly exited: Promise<number | null>;
  /** What it wrote to stderr so far. */
  stderr(): string;
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
        resolve({ process: child, connectionString: line.trim(), exited, stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code} before starting: ${err}`));
    });
  });
}

const startEntry = (dataDir: string, ...flags: string[]) => start(['--require', 'tsx/cjs', ENTRY, dataDir, ...flags]);
/** Without the system projections' links and checkpoints, the log's last record is the test's own. */
const NO_PROJECTIONS = '--run-projections=none';

/** Runs the CLI to its end: exit code and output. */
function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

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
  const first = await startEntry(dir, NO_PROJECTIONS);
  children.push(first.process);
  const client = EventStoreDBClient.connectionString(first.connectionString);
  for (let n = 0; n < 5; n++) await client.appendToStream('torn', jsonEvent({ type: 'Step', data: { n } }));
  await client.dispose();
  first.process.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  const file = path.join(dir, LOG_FILE);
  fs.truncateSync(file, fs.statSync(file).size - 5);

  const second = await startEntry(dir, NO_PROJECTIONS);
  children.push(second.process);
  // Kept: the node's two start records ($epoch-information, $$$scavenges metadata) and four of the five.
  expect(second.stderr()).toMatch(/dropped a torn tail of \d+ bytes at offset \d+ .*kept 6 events in 6 records/);
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

test(
  'a damaged log stops `spillway emulator` (exit 1, what and where); `spillway log repair` keeps what is before the damage',
  async () => {
    // Without projections, no links land between the test's own records (their number would vary).
    const args = ['emulator', '--port', '0', '--data-dir', dir, '--run-projections', 'none'];
    const first = await start([CLI, ...args]);
    children.push(first.process);
    const client = EventStoreDBClient.connectionString(first.connectionString);
    const offsets: bigint[] = [];
    for (let n = 0; n < 6; n++) {
      offsets.push((await client.appendToStream('damaged', jsonEvent({ type: 'Step', data: { n } }))).position!.commit);
    }
    await client.dispose();
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const file = path.join(dir, LOG_FILE);
    const bytes = fs.readFileSync(file);
    // One flipped bit in the body of the fourth event's record.
    bytes[Number(offsets[3]!) + 20]! ^= 0x10;
    fs.writeFileSync(file, bytes);

    const refused = await runCli(args);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`${file} is damaged at byte offset`);
    // Before the damage: the node's two start records and the first three events.
    expect(refused.stderr).toContain('5 events in 5 records');
    expect(refused.stderr).toContain('spillway log repair');
    expect(fs.readFileSync(file)).toEqual(bytes);

    const verify = await runCli(['log', 'verify', '--data-dir', dir]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain('is damaged at byte offset');

    const repair = await runCli(['log', 'repair', '--data-dir', dir]);
    expect(repair.code).toBe(0);
    const movedTo = /moved aside whole to (\S+);/.exec(repair.stdout)?.[1];
    expect(movedTo).toBeDefined();
    expect(fs.readFileSync(movedTo!)).toEqual(bytes);
    expect(repair.stdout).toMatch(/keeps, 5 events in 5 records .* bytes cut from offset/);
    expect((await runCli(['log', 'verify', '--data-dir', dir])).code).toBe(0);

    const second = await start([CLI, ...args]);
    children.push(second.process);
    const reader = EventStoreDBClient.connectionString(second.connectionString);
    expect(await readIds(reader, 'damaged')).toHaveLength(3);
    await reader.dispose();
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  },
  CLI_RUNS_TIMEOUT_MS,
);

test('`spillway emulator --repair` repairs, says what it cut, then serves', async () => {
  const file = path.join(dir, LOG_FILE);
  fs.writeFileSync(file, 'not an event log\n');
  const refused = await runCli(['emulator', '--port', '0', '--data-dir', dir]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`${file} is not a Spillway event log`);

  const repaired = await start([CLI, 'emulator', '--port', '0', '--data-dir', dir, '--repair']);
  children.push(repaired.process);
  expect(repaired.stderr()).toMatch(/emulator: repair: .* moved aside whole to /);
  const aside = fs.readdirSync(dir).filter((name) => name.startsWith(`${LOG_FILE}.damaged-`));
  expect(aside).toHaveLength(1);
  expect(fs.readFileSync(path.join(dir, aside[0]!), 'utf8')).toBe('not an event log\n');
  const client = EventStoreDBClient.connectionString(repaired.connectionString);
  await client.appendToStream('after-repair', jsonEvent({ type: 'Step', data: {} }));
  await client.dispose();
  repaired.process.kill('SIGTERM');
  expect(await repaired.exited).toBe(0);
});
