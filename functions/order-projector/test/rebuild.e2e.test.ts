import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { type Emulator, startEmulator } from '@spillway/emulator';
import type { ReadModelStatus } from '@spillway/runtime';
import { seedOrders } from '../src/testing/order-log';
import { allOrders, eventually as eventuallyWithin, final } from '../src/testing/rebuild-probes';
import { type ScratchDatabase, scratchDatabase } from '../src/testing/scratch-database';
import { type FunctionProcess, startFunctionProcess } from './support/function-process';

// Enough events that a build is still replaying when the replica is killed, few enough for CI: with 600
// orders a build on an idle machine could replay them all between two polls of its status, and then the
// restart had nothing left to resume (seen once in CI: replayed 1029 before the kill and after it).
const ORDERS = 3_000;
const BUILD_MS = 150_000;
const repoRoot = join(__dirname, '..', '..', '..');

jest.setTimeout(300_000);

const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = BUILD_MS): Promise<T> =>
  eventuallyWithin(what, probe, timeoutMs);

async function status(url: string): Promise<ReadModelStatus> {
  return (await (await fetch(`${url}/read-model`)).json()) as ReadModelStatus;
}

/** `spillway rebuild ...` as a user runs it (no terminal: one line per 5 s and a summary). */
function rebuildCli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'platform/cli/bin/spillway.js'), 'rebuild', ...args], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a rebuilding replica killed mid-build (real processes, PostgreSQL, spillway rebuild)', () => {
  let emulator: Emulator;
  let client: EventStoreDBClient;
  let db: ScratchDatabase;
  let projector: FunctionProcess | undefined;
  let env: Record<string, string>;
  let known: string[];

  beforeAll(async () => {
    emulator = await startEmulator({ memory: true, port: 0 });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
    db = await scratchDatabase('postgres');
    env = { ESDB_CONNECTION_STRING: emulator.connectionString, DATABASE_URL: db.databaseUrl!, READ_MODEL_DROP_GRACE_MS: '1000' };
    known = await seedOrders(client, ORDERS);
  });

  afterAll(async () => {
    await projector?.stop('SIGKILL');
    await client?.dispose();
    await emulator?.close();
    await db?.drop();
  });

  test('the build resumes from its checkpoint after a restart and switches once', async () => {
    projector = await startFunctionProcess('order-projector', env);
    const url = projector.url;
    await eventually('v1 caught up', async () => {
      const response = await fetch(`${url}/orders?limit=100`);
      return response.status === 200 ? true : undefined;
    });

    const started = await rebuildCli('order-projector', '--url', url, '--detach');
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^started build v1b \(group order-projector-v1b\) beside v1$/m);

    const midway = await eventually('the build is under way', async () => {
      const build = (await status(url)).builds.find((b) => b.label === 'v1b');
      return build && build.replayed > 0 ? build : undefined;
    });
    await projector.stop('SIGKILL');

    projector = await startFunctionProcess('order-projector', env);
    const followed = await rebuildCli('order-projector', '--url', projector.url);
    expect(followed.stderr).toBe('');
    expect(followed.stdout).toMatch(/^following build v1b/m);
    expect(followed.stdout).toMatch(/^v1b is live: replayed [\d,]+ events in /m);
    expect(followed.code).toBe(0);

    const after = await status(projector.url);
    expect(after.serving?.label).toBe('v1b');
    // One build, switched once: the restart found it and carried on instead of starting another.
    expect(after.generations.map((g) => g.label)).toEqual(['v1', 'v1b']);
    const v1b = after.generations.find((g) => g.label === 'v1b')!;
    // The kill came while the build was still replaying (the log holds two events per order) ...
    expect(midway.replayed).toBeLessThan(2 * ORDERS);
    // ... and the restarted replica replayed the rest into the same build.
    expect(v1b.replayed).toBeGreaterThan(midway.replayed);
    // Nothing was lost across the kill: every seeded order is in the switched-in version, final.
    const switched = await allOrders(projector.url, known, 'every seeded order in v1b', BUILD_MS, final);
    expect(switched.size).toBe(ORDERS);

    const abortNothing = await rebuildCli('order-projector', '--url', projector.url, '--abort');
    expect(abortNothing.code).toBe(1);
    expect(abortNothing.stderr).toMatch(/no read model build of 'order-projector' is running/);
  });
});
