import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command';
import { UsageError } from '../usage-error';

const DEFAULT_DATA_DIR = join('.data', 'emulator');

const USAGE = `Usage: spillway log <verify|repair> [--data-dir <dir>]

Checks the emulator's durable event log (every record's header and body checksum) the way
start-up does. Run it while no emulator uses the folder.

  verify   reads the whole log and says whether the emulator starts on it: clean, a torn
           tail (the last write cut short by a crash; start-up drops it, saving the bytes
           beside the log), or damage that stops start-up (file, byte offset, positions
           affected). Exit 0 when the emulator starts on it, 1 when it does not.
  repair   makes the log start again: a torn tail is dropped (saved beside the log); on
           damage the file is moved aside whole (never deleted) and the log keeps every
           record before the damage. Prints what was kept and what was cut.

Flags:
  --data-dir <dir>   the emulator's data folder (default ${DEFAULT_DATA_DIR}; under
                     \`spillway dev\` it is <dev data folder>/emulator)`;

interface LogModule {
  verifyLog(dataDir: string): { starts: boolean; message: string };
  repairLog(dataDir: string): { message: string };
}

function parse(argv: string[]): { action: 'verify' | 'repair'; dataDir: string } {
  let parsed: ReturnType<typeof parseArgs<{ options: { 'data-dir': { type: 'string' } }; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`log: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const [action, ...extra] = parsed.positionals;
  if (action !== 'verify' && action !== 'repair') throw new UsageError(`log: give verify or repair, got '${action ?? ''}'`);
  if (extra.length > 0) throw new UsageError(`log: unexpected argument '${extra[0]}'`);
  const dataDir = parsed.values['data-dir'] ?? DEFAULT_DATA_DIR;
  if (dataDir.trim() === '') throw new UsageError('log: --data-dir must not be empty');
  return { action, dataDir };
}

export const command: Command = {
  name: 'log',
  summary: "verify or repair the emulator's durable event log",
  usage: USAGE,
  async run(argv) {
    const { action, dataDir } = parse(argv);
    // Loaded here so that `spillway --help` does not pay for the emulator.
    const emulator = require('@spillway/emulator') as LogModule;
    if (action === 'verify') {
      const verdict = emulator.verifyLog(dataDir);
      (verdict.starts ? process.stdout : process.stderr).write(`${verdict.message}\n`);
      return verdict.starts ? 0 : 1;
    }
    process.stdout.write(`${emulator.repairLog(dataDir).message}\n`);
    return 0;
  },
};
