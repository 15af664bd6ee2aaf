/**
 * An emulator in its own process, for tests and benchmarks that need one apart (or kill it):
 * `node --require tsx/cjs emulator-process.ts <dataDir | --mem>` prints the connection
 * string, then serves until SIGTERM (clean close, exit 0) or SIGKILL.
 */
import { startEmulator } from '../index';

const [where] = process.argv.slice(2);
if (!where) {
  process.stderr.write('usage: emulator-process.ts <dataDir | --mem>\n');
  process.exit(2);
}
startEmulator(where === '--mem' ? { port: 0, memory: true } : { port: 0, dataDir: where }).then(
  (emulator) => {
    process.stdout.write(`${emulator.connectionString}\n`);
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
