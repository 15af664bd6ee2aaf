import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A leftover drains like any function on SIGTERM; dev's own functions get DRAIN_TIMEOUT_MS=5 s.
const LEFTOVER_GRACE_MS = 8_000;
const LEFTOVER_KILL_WAIT_MS = 2_000;
const POLL_MS = 100;

/**
 * One file per process `spillway dev` starts (`<data>/pids/<pid>`, naming it), removed once it has
 * exited. Functions exit by themselves when dev dies (their IPC channel closes); the files are there
 * for whatever did not: a process that hangs, or one started by an older version.
 */
export class PidFiles {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'pids');
    mkdirSync(this.dir, { recursive: true });
  }

  record(pid: number | undefined, label: string): void {
    if (pid !== undefined) writeFileSync(join(this.dir, String(pid)), `${label}\n`);
  }

  forget(pid: number | undefined): void {
    if (pid !== undefined) rmSync(join(this.dir, String(pid)), { force: true });
  }

  /** The recorded processes that still run a Spillway function; files of exited (or reused) pids are removed. */
  recorded(): { readonly pid: number; readonly label: string }[] {
    const found: { pid: number; label: string }[] = [];
    for (const name of readdirSync(this.dir)) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      if (runsSpillwayFunction(pid)) found.push({ pid, label: readFileSync(join(this.dir, name), 'utf8').trim() });
      else this.forget(pid);
    }
    return found;
  }
}

/** Running, not merely a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[0] !== 'Z';
  } catch {
    // No /proc (macOS): signal 0 tells whether the pid exists.
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

/** A pid from an earlier run may since have been reused by an unrelated process: only a function process is ours. */
function runsSpillwayFunction(pid: number): boolean {
  if (!isRunning(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('spillway-function');
  } catch {
    return true; // no /proc to tell: the file says it was ours
  }
}

async function waitGone(pids: readonly number[], withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let left = pids.filter(isRunning);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    left = left.filter(isRunning);
  }
  return left;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already, or not ours to signal: waitGone tells
  }
}

/**
 * Stops the processes an earlier `spillway dev` on this data folder left running (SIGTERM, then
 * SIGKILL), before anything new starts: a leftover holds its port, and the new shop must not print
 * "ready" and then stop on EADDRINUSE. Returns a line saying what was stopped (empty if nothing);
 * throws naming the pids that would not stop.
 */
export async function stopLeftovers(files: PidFiles): Promise<string> {
  const leftovers = files.recorded();
  if (leftovers.length === 0) return '';
  const pids = leftovers.map((l) => l.pid);
  for (const pid of pids) signal(pid, 'SIGTERM');
  let left = await waitGone(pids, LEFTOVER_GRACE_MS);
  for (const pid of left) signal(pid, 'SIGKILL');
  left = await waitGone(left, LEFTOVER_KILL_WAIT_MS);
  if (left.length > 0) {
    throw new Error(`processes left by an earlier spillway dev would not stop (pids ${left.join(', ')}); stop them and start again`);
  }
  for (const pid of pids) files.forget(pid);
  const named = leftovers.map((l) => `${l.label} pid ${l.pid}`).join(', ');
  return `spillway dev: stopped ${leftovers.length} process${leftovers.length === 1 ? '' : 'es'} left running by an earlier spillway dev (${named})\n`;
}
