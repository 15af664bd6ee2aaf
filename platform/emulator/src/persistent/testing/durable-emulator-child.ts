// A durable emulator in its own process, for tests that SIGKILL it: prints its connection
// string as one JSON line and serves until killed.
import { startEmulator } from '../../index';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: durable-emulator-child.ts <dataDir>');
startEmulator({ host: '127.0.0.1', port: 0, dataDir }).then(
  (emulator) => process.stdout.write(`${JSON.stringify({ connectionString: emulator.connectionString })}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
