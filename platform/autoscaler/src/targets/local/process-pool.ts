import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { ScaleTarget } from '../scale-target';

/** What a replica gets to finish in-flight events after SIGTERM; the runtime's own drain fits well inside it. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

// A replica that exits with an error this soon after it started failed at start (bad config, a bug in
// init): respawning it on every tick would only spin, so restarts back off, doubling up to the cap.
// A replica killed by a signal is not counted: something outside killed it, a restart may well work.
const CRASH_WINDOW_MS = 10_000;
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;

export interface ProcessPoolOptions {
  /** Starts one replica of the function; `slot` is the lowest number no live replica holds (for ports or names). */
  readonly spawn: (slot: number) => ChildProcess;
  readonly stopTimeoutMs?: number;
  readonly log?: Logger;
}

interface Replica {
  readonly slot: number;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly startedAt: number;
}

/**
 * The local scale target for one function: replicas are child processes. Scaling up spawns
 * (lowest free slot first); scaling down sends SIGTERM to the highest slot, and SIGKILL if it has not
 * exited after the stop timeout. A replica that exits by itself leaves the pool, so the next
 * decision starts a new one — after a growing delay when replicas keep dying right after start.
 */
export class ProcessPool implements ScaleTarget {
  private readonly running: Replica[] = [];
  private readonly stopping = new Set<Replica>();
  private crashesInARow = 0;
  private noStartBefore = 0;
  // Set by close(): a decision still in flight when the pool is closed must not start a replica
  // that nothing would stop (an orphan after Ctrl-C).
  private closed = false;

  constructor(private readonly options: ProcessPoolOptions) {}

  async currentReplicas(): Promise<number> {
    return this.running.length;
  }

  /** Process ids of the live replicas, oldest first. */
  pids(): number[] {
    return this.running.map((r) => r.child.pid ?? -1);
  }

  async scale(replicas: number): Promise<void> {
    while (!this.closed && this.running.length < replicas && Date.now() >= this.noStartBefore) this.start();
    while (this.running.length > replicas) {
      // The highest slot goes first, not the newest process: slot 0 is the replica with the
      // function's fixed port, and after it crashed and restarted it is the newest.
      const highest = this.running.reduce((a, b) => (b.slot > a.slot ? b : a));
      this.running.splice(this.running.indexOf(highest), 1);
      void this.stop(highest);
    }
  }

  /** Stops every replica and waits until all have exited. */
  async close(): Promise<void> {
    this.closed = true;
    const all = this.running.splice(0);
    await Promise.all([...all.map((r) => this.stop(r)), ...[...this.stopping].map((r) => r.exited)]);
  }

  private start(): void {
    const taken = new Set([...this.running, ...this.stopping].map((r) => r.slot));
    let slot = 0;
    while (taken.has(slot)) slot++;
    const child = this.options.spawn(slot);
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      // A child that could not be spawned (ENOENT, EACCES) emits 'error' and 'close' but never 'exit':
      // waiting for 'exit' alone kept it in the pool as a live replica, and close() waited for ever.
      else {
        child.once('exit', () => resolve());
        child.once('close', () => resolve());
      }
    });
    const replica: Replica = { slot, child, exited, startedAt: Date.now() };
    this.running.push(replica);
    child.once('error', (err) => this.options.log?.error({ err, slot }, 'replica failed to start'));
    void exited.then(() => {
      const at = this.running.indexOf(replica);
      if (at >= 0) {
        this.running.splice(at, 1);
        this.noteExit(replica);
        this.options.log?.warn({ slot, pid: child.pid, code: child.exitCode, signal: child.signalCode }, 'replica exited by itself');
      }
    });
  }

  private noteExit(replica: Replica): void {
    const now = Date.now();
    const failedAtStart = replica.child.signalCode === null && replica.child.exitCode !== 0 && now - replica.startedAt < CRASH_WINDOW_MS;
    if (!failedAtStart) {
      this.crashesInARow = 0;
      return;
    }
    this.crashesInARow++;
    const delay = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (this.crashesInARow - 1));
    this.noStartBefore = now + delay;
    this.options.log?.warn(
      { slot: replica.slot, crashesInARow: this.crashesInARow, delayMs: delay },
      'replica died right after start; restarting later',
    );
  }

  private async stop(replica: Replica): Promise<void> {
    this.stopping.add(replica);
    const { child } = replica;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.options.log?.warn({ slot: replica.slot, pid: child.pid }, 'replica did not stop in time; killing it');
      child.kill('SIGKILL');
    }, this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    await replica.exited;
    clearTimeout(timer);
    this.stopping.delete(replica);
  }
}
