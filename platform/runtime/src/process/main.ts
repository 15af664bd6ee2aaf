import { loadConfig } from '../config';
import { loadFunction } from './load-function';
import { startFunction } from './start-function';

const USAGE = 'Usage: spillway-function <function folder or module path>';

function describe(err: unknown): string {
  const parts: string[] = [];
  for (let current = err; current !== undefined; current = current instanceof Error ? current.cause : undefined) {
    parts.push(current instanceof Error ? current.message : String(current));
    if (!(current instanceof Error)) break;
  }
  return parts.join(': ');
}

/**
 * The `spillway-function` process: configuration from the environment, the function from its folder,
 * then run until SIGTERM or SIGINT, drain, and resolve to the exit code.
 */
export async function main(argv: string[]): Promise<number> {
  const [target, ...rest] = argv;
  if (target === undefined || target === '-h' || target === '--help' || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return target === '-h' || target === '--help' ? 0 : 2;
  }
  // Watched from the start: a supervisor that dies while this process starts must not be missed.
  const parentGone = whenParentGone();
  let running: Awaited<ReturnType<typeof startFunction>>;
  try {
    const config = loadConfig();
    const definition = loadFunction(target);
    running = await startFunction(definition, config);
  } catch (err) {
    process.stderr.write(`spillway-function: ${describe(err)}\n`);
    return 1;
  }
  // Tells a supervisor (see whenParentGone) where it listens, whatever the log level.
  if (process.connected) process.send?.({ listening: running.port });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
    void parentGone.then(resolve);
  });
  // A second signal while draining means "now": the default handler ends the process at once.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  await running.close();
  return 0;
}

/**
 * A supervisor (`spillway dev`, a local process pool) starts this process with an IPC channel. The
 * operating system closes that channel when the supervisor dies, however it dies (even SIGKILL,
 * which it cannot pass on), so the function drains and exits instead of living on as an orphan
 * that holds its port. Without a channel (a container, a terminal) this never resolves.
 */
function whenParentGone(): Promise<void> {
  return new Promise((resolve) => {
    if (!process.channel) return;
    if (!process.connected) resolve();
    else process.once('disconnect', () => resolve());
  });
}
