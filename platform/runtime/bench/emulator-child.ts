// The benchmark's emulator, in its own process so that it does not share a core's event loop with the consumers measured.
import { startEmulator } from '@spillway/emulator';

startEmulator({ memory: true, port: 0 }).then((emulator) => {
  process.stdout.write(`${emulator.connectionString}\n`);
  process.once('SIGTERM', () => {
    emulator.close().then(() => process.exit(0));
  });
});
