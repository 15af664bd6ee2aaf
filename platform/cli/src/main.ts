import { commands } from './commands';
import { UsageError } from './usage-error';
import { version } from './version';

const USAGE_EXIT = 2;

function help(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: spillway <command> [flags]',
    '',
    'Commands:',
    ...lines,
    '',
    'Flags:',
    '  -h, --help     show help (also after a command)',
    '  -v, --version  print the version',
    '',
  ].join('\n');
}

/** Runs the CLI and resolves to the exit code; never calls process.exit itself. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write(help());
    return 0;
  }
  if (first === undefined) {
    // Help, since that is what someone typing the bare name wants, but a non-zero exit as git and npm
    // give: a script that forgot its command must not pass for one that ran it.
    process.stdout.write(help());
    return USAGE_EXIT;
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  try {
    if (first.startsWith('-')) throw new UsageError(`unknown flag '${first}'`);
    const entry = Object.hasOwn(commands, first) ? commands[first] : undefined;
    if (!entry) throw new UsageError(`unknown command '${first}'`);
    const command = await entry.load();
    if (rest.includes('-h') || rest.includes('--help')) {
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`spillway: ${err.message} (see 'spillway --help')\n`);
      return USAGE_EXIT;
    }
    throw err;
  }
}
