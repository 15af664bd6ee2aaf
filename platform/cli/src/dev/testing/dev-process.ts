import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `spillway` bin, run as a user runs it. */
export const spillwayBin = join(__dirname, '..', '..', '..', 'bin', 'spillway.js');
export const repoRoot = join(__dirname, '..', '..', '..', '..', '..');

const BANNER_DEADLINE_MS = 60_000;
// Dev drains its functions within 8 s before it kills them.
const STOP_GRACE_MS = 15_000;

export interface Dev {
  readonly child: ChildProcess;
  /** Function name -> URL, from the banner. */
  readonly urls: Record<string, string>;
  /** The gateway's URL, from the banner. */
  readonly gateway: string;
  readonly exited: Promise<number | null>;
  /** Everything dev printed so far, stdout and stderr. */
  output(): string;
}

/** Runs `spillway dev` on `dataDir` with every port free and PGlite as the read model, and waits for its banner. */
export async function startDev(dataDir: string, flags: readonly string[] = []): Promise<Dev> {
  const ports = [
    '--emulator-port',
    '--gateway-port',
    '--order-create-port',
    '--stock-reservation-port',
    '--order-projector-port',
    '--ports-from',
  ].flatMap((flag) => [flag, '0']);
  const child = spawn(process.execPath, [spillwayBin, 'dev', '--data-dir', dataDir, ...ports, ...flags], {
    cwd: repoRoot,
    // No DATABASE_URL: the default read model is PGlite in the data folder.
    env: { ...process.env, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const append = (chunk: Buffer) => {
    out += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + BANNER_DEADLINE_MS;
  while (!out.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      // SIGTERM: dev stops whatever it started (a SIGKILLed dev would leave its detached children running).
      child.kill('SIGTERM');
      throw new Error(`spillway dev did not come up:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const urls = Object.fromEntries([...out.matchAll(/^ {2}([a-z][a-z0-9-]*) +(http:\/\/\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const gateway = /^ {2}gateway +(http:\/\/\S+)/m.exec(out)?.[1] ?? '';
  return { child, urls, gateway, exited, output: () => out };
}

/** Stops each dev still running: SIGTERM so it stops its functions, SIGKILL only past the grace period. */
export async function stopDevs(devs: readonly (Dev | undefined)[]): Promise<void> {
  const running = devs.filter((dev): dev is Dev => dev !== undefined && dev.child.exitCode === null && dev.child.signalCode === null);
  for (const dev of running) dev.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const dev of running) if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  await Promise.all(running.map((dev) => dev.exited));
  clearTimeout(timer);
}

/** Polls `probe` until it returns a value, or fails naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, withinMs = 30_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Live child processes of `pid` (Linux /proc): dev's functions and replicas. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent; the command name before it is parenthesised.
        return readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Running, not merely a zombie: an exited child whose parent is gone waits for init to reap it. */
export const alive = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
};
