/**
 * An emulator in its own process, for tests that kill it: `node --require tsx/cjs
 * emulator-process.ts <dataDir>` prints the connection string, then serves until SIGTERM
 * (clean close, exit 0) or SIGKILL.
 */
import { startEmulator } from '../index';

const [dataDir] = process.argv.slice(2);
if (!dataDir) {
  process.stderr.write('usage: emulator-process.ts <dataDir>\n');
  process.exit(2);
}
startEmulator({ port: 0, dataDir }).then(
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
