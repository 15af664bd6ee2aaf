import { type ChildProcess, spawn } from 'node:child_process';
import { eventually } from '../../test-kit/capture-log';
import { ProcessPool } from './process-pool';

// A replica that stops on SIGTERM, as the runtime does after draining.
const polite = 'process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1000); console.log("ready");';
// A replica that ignores SIGTERM: the pool must kill it.
const stubborn = 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000); console.log("ready");';

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** A child has installed its SIGTERM handler once it printed "ready". */
const ready = new WeakMap<ChildProcess, Promise<void>>();
function track(child: ChildProcess): ChildProcess {
  ready.set(
    child,
    new Promise((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
    }),
  );
  return child;
}
const allReady = (children: ChildProcess[]) => Promise.all(children.map((c) => ready.get(c)));

describe('ProcessPool (real child processes)', () => {
  const spawned: ChildProcess[] = [];
  const pools: ProcessPool[] = [];
  const pool = (script: string, stopTimeoutMs = 5_000) => {
    const p = new ProcessPool({
      spawn: (slot) => {
        const child = track(
          spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, SLOT: String(slot) } }),
        );
        spawned.push(child);
        return child;
      },
      stopTimeoutMs,
    });
    pools.push(p);
    return p;
  };

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
    for (const child of spawned.splice(0)) if (alive(child)) child.kill('SIGKILL');
  });

  test('scaling down keeps slot 0 even when it is the newest process (restarted after a crash)', async () => {
    const p = pool(polite);
    await p.scale(2);
    const [first, second] = spawned;
    await allReady(spawned);
    first!.kill('SIGKILL');
    await eventually(async () => (await p.currentReplicas()) === 1, 5_000, 'the crashed replica to leave the pool');
    await p.scale(2);
    const restarted = spawned[2]!;
    await ready.get(restarted);
    await p.scale(1);
    await eventually(() => !alive(second!), 5_000, 'slot 1 to exit');
    expect(alive(restarted)).toBe(true);
  });

  test('scales up by spawning and down by stopping the highest slots', async () => {
    const p = pool(polite);
    await p.scale(3);
    expect(await p.currentReplicas()).toBe(3);
    const [first, second, third] = spawned;
    await allReady(spawned);
    await p.scale(1);
    expect(await p.currentReplicas()).toBe(1);
    await eventually(() => !alive(second!) && !alive(third!), 5_000, 'the two newest to exit');
    expect(alive(first!)).toBe(true);
    expect(third?.signalCode ?? third?.exitCode).toBe(0);
  });

  test('a replica that exits by itself leaves the pool', async () => {
    const p = pool(polite);
    await p.scale(2);
    spawned[0]?.kill('SIGKILL');
    await eventually(async () => (await p.currentReplicas()) === 1, 5_000, 'the pool to notice the exit');
    await p.scale(2);
    expect(await p.currentReplicas()).toBe(2);
    expect(spawned).toHaveLength(3);
  });

  test('a replica that fails at start is restarted with a growing delay, not on every call', async () => {
    const p = pool('process.exit(1);');
    // Each call waits until the replica it may have started has died: without a backoff every
    // call would respawn it (20 spawns); with one, the 1 s, 2 s, ... delays allow a handful at most.
    for (let call = 0; call < 20; call++) {
      await p.scale(1);
      const last = spawned[spawned.length - 1];
      if (last && alive(last)) await new Promise((resolve) => last.once('exit', resolve));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(spawned.length).toBeGreaterThanOrEqual(1);
    expect(spawned.length).toBeLessThanOrEqual(4);
  });

  test('a decision that arrives after close() starts nothing', async () => {
    const p = pool(polite);
    await p.scale(1);
    await allReady(spawned);
    await p.close();
    await p.scale(3);
    expect(await p.currentReplicas()).toBe(0);
    expect(spawned).toHaveLength(1);
  });

  test('a replica that cannot be spawned leaves the pool, and close() does not wait for it', async () => {
    const p = new ProcessPool({ spawn: () => spawn('/nonexistent/spillway-function', [], { stdio: 'ignore' }) });
    pools.push(p);
    await p.scale(1);
    await eventually(async () => (await p.currentReplicas()) === 0, 5_000, 'the failed spawn to leave the pool');
    await p.close();
  });

  test('a replica that ignores SIGTERM is killed after the stop timeout', async () => {
    const p = pool(stubborn, 300);
    await p.scale(1);
    await allReady(spawned);
    await p.close();
    expect(spawned[0]?.signalCode).toBe('SIGKILL');
  });

  test('slots are reused: a new replica takes the lowest free slot', async () => {
    const slots: number[] = [];
    const p = new ProcessPool({
      spawn: (slot) => {
        slots.push(slot);
        const child = track(spawn(process.execPath, ['-e', polite], { stdio: ['ignore', 'pipe', 'ignore'] }));
        spawned.push(child);
        return child;
      },
    });
    pools.push(p);
    await p.scale(3);
    await allReady(spawned);
    await p.scale(2);
    await eventually(() => !alive(spawned[2]!), 5_000, 'slot 2 to be free');
    await p.scale(3);
    expect(slots).toEqual([0, 1, 2, 2]);
  });
});
