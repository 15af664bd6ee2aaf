import type { FunctionProcess } from './function-process';

// Kubernetes' CrashLoopBackOff scaled to a laptop: the first restart comes quickly, a function that
// keeps dying is retried less and less often, and never less than twice a minute.
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
// A process that ran this long before it died was healthy: its exit starts a new count.
const HEALTHY_AFTER_MS = 10_000;
const READY_POLL_MS = 100;

/** One function process that `spillway dev` keeps running, as a Deployment with one replica would. */
export interface SupervisedFunction {
  readonly name: string;
  /** The process running now (or the last one, while a restart waits). */
  current(): FunctionProcess;
  /** Resolves with the running process once it answers /readyz, across restarts; throws once `deadline` passes. */
  ready(deadline: number): Promise<FunctionProcess>;
  /** Restarts stop; the running process drains (SIGTERM), SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>;
  /** Backstop when dev itself dies. */
  kill(): void;
}

function describeExit(running: FunctionProcess): string {
  const { exitCode, signalCode } = running.child;
  return signalCode ? `killed by ${signalCode}` : `code ${exitCode}`;
}

/**
 * Starts a function with `start` and restarts it whenever it exits by itself, after a delay that
 * doubles while it keeps dying (1 s up to 30 s), each time saying so on `say`.
 */
export function superviseFunction(name: string, start: () => FunctionProcess, say: (line: string) => void): SupervisedFunction {
  let running = start();
  let startedAt = Date.now();
  let crashesInARow = 0;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;

  const watch = (watched: FunctionProcess) => {
    void watched.exited.then(() => {
      if (stopping || watched !== running) return;
      crashesInARow = Date.now() - startedAt >= HEALTHY_AFTER_MS ? 1 : crashesInARow + 1;
      const delay = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (crashesInARow - 1));
      const inARow = crashesInARow > 1 ? ` (${crashesInARow} exits in a row)` : '';
      say(`[dev] ${name} exited (${describeExit(watched)}); restarting it in ${delay / 1000} s${inARow}\n`);
      restartTimer = setTimeout(() => {
        if (stopping) return;
        running = start();
        startedAt = Date.now();
        watch(running);
      }, delay);
    });
  };
  watch(running);

  return {
    name,
    current: () => running,
    async ready(deadline) {
      for (;;) {
        const current = running;
        try {
          await current.ready(deadline);
          return current;
        } catch (err) {
          // It died while starting: the restart is on its way; wait for it within the same deadline.
          if (stopping || Date.now() > deadline) {
            const restarts = crashesInARow > 0 ? ` (it exited ${crashesInARow} times in a row; see its output above)` : '';
            throw new Error(`${name} was not ready in time${restarts}`, { cause: err });
          }
          while (running === current && !stopping && Date.now() <= deadline) await new Promise((r) => setTimeout(r, READY_POLL_MS));
        }
      }
    },
    async stop(graceMs) {
      stopping = true;
      clearTimeout(restartTimer);
      await running.stop({ graceMs });
    },
    kill() {
      stopping = true;
      clearTimeout(restartTimer);
      if (running.isRunning()) running.child.kill('SIGKILL');
    },
  };
}
