import { dirname } from 'node:path';
import { spawnFunctionProcess } from '@spillway/runtime';

// Start-up includes tsx compiling the function and, for the projector, migrations: generous on a loaded 2-core CI box.
const READY_DEADLINE_MS = 60_000;
const KEPT_LINES = 200;

/** One function running as a real `spillway-function` process, as in production. */
export interface FunctionProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** SIGTERM (drain) or SIGKILL; resolves when the process has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** The last lines it printed, for a failing test's message. */
  output(): string;
}

function packageFolder(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** Starts `@spillway/<name>` with `spillway-function` on a free port and waits until /readyz answers 200. */
export async function startFunctionProcess(name: string, env: Record<string, string>): Promise<FunctionProcess> {
  const lines: string[] = [];
  const running = spawnFunctionProcess(packageFolder(`@spillway/${name}`), {
    name,
    port: 0,
    env: { LOG_LEVEL: 'info', DRAIN_TIMEOUT_MS: '2000', AUTH: 'none', ...env },
    onLine: (line) => {
      if (line.length === 0) return;
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
    },
  });
  const output = () => lines.join('\n');
  const stop = (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => running.stop({ signal });
  let url: string;
  try {
    url = await running.ready(Date.now() + READY_DEADLINE_MS);
  } catch (err) {
    const timedOut = running.isRunning();
    await stop('SIGKILL');
    const reason = timedOut ? `was not ready within ${READY_DEADLINE_MS} ms` : 'exited during start-up';
    throw new Error(`${name} ${reason}:\n${output()}`, { cause: err });
  }
  return { name, url, pid: running.child.pid ?? -1, stop, output };
}
