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
  let running: Awaited<ReturnType<typeof startFunction>>;
  try {
    const config = loadConfig();
    const definition = loadFunction(target);
    running = await startFunction(definition, config);
  } catch (err) {
    process.stderr.write(`spillway-function: ${describe(err)}\n`);
    return 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  // A second signal while draining means "now": the default handler ends the process at once.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  void signal;
  await running.close();
  return 0;
}
