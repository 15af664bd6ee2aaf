/**
 * An emulator in its own process, for tests and benchmarks that need one apart (or kill it):
 * `node --require tsx/cjs emulator-process.ts <dataDir | --mem> [--run-projections=<level>]`
 * prints the connection string, then serves until SIGTERM (clean close, exit 0) or SIGKILL.
 */
import { RUN_PROJECTIONS, type RunProjections } from '../projections/run-projections';
import { startEmulator } from '../server/start-emulator';

const [where, ...flags] = process.argv.slice(2);
const level = flags.find((f) => f.startsWith('--run-projections='))?.slice('--run-projections='.length);
if (!where || (level !== undefined && !(RUN_PROJECTIONS as readonly string[]).includes(level))) {
  process.stderr.write('usage: emulator-process.ts <dataDir | --mem> [--run-projections=none|system|all]\n');
  process.exit(2);
}
const runProjections = (level ?? 'system') as RunProjections;
startEmulator(where === '--mem' ? { port: 0, memory: true, runProjections } : { port: 0, dataDir: where, runProjections }).then(
  (emulator) => {
    process.stdout.write(`${emulator.connectionString}\n`);
    // Stopped from the inside (Operations.Shutdown): the process ends as after SIGTERM.
    emulator.stopped.then(() => process.exit(0));
    process.once('SIGTERM', () => {
      emulator.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
