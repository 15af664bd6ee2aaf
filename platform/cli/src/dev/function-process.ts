import { type FunctionProcess, spawnFunctionProcess } from '@spillway/runtime';
import type { DevFunction } from './function-folders';
import type { PidFiles } from './leftovers';

export type { FunctionProcess } from '@spillway/runtime';

/**
 * Starts one process of a function on `port` (0: the OS picks one), its output prefixed with `label`.
 * `env` is added to dev's own environment. Its pid is recorded in `pids` until it exits.
 */
export function spawnFunction(
  fn: Pick<DevFunction, 'name' | 'folder'>,
  label: string,
  port: number,
  env: Record<string, string>,
  pids: PidFiles,
): FunctionProcess {
  const running = spawnFunctionProcess(fn.folder, {
    name: fn.name,
    port,
    // Local functions sit behind dev's gateway on loopback and run without tokens: said explicitly, as the
    // runtime requires (set API_TOKENS and AUTH=bearer in dev's environment to try them with tokens).
    env: { AUTH: 'none', ...env },
    // Its own process group: Ctrl-C reaches only dev, which then stops each function once, in order.
    detached: true,
    onLine: (line, stream) => (stream === 'stdout' ? process.stdout : process.stderr).write(`[${label}] ${line}\n`),
  });
  const { pid } = running.child;
  pids.record(pid, label);
  void running.exited.then(() => pids.forget(pid));
  return running;
}

/** Waits until the process answers /readyz with 200; throws if it exits first or the deadline passes. */
export async function waitReady(running: FunctionProcess, deadline: number): Promise<void> {
  await running.ready(deadline).catch((err: Error) => {
    throw running.isRunning() ? err : new Error(`${err.message} (see its output above)`);
  });
}
