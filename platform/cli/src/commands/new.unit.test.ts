import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployEdits, formatDeployEdits } from '../new/deploy-lines';
import { UsageError } from '../usage-error';
import { command } from './new';

const repoNodeModules = join(__dirname, '..', '..', '..', '..', 'node_modules');

let root: string;
let stdout: jest.SpyInstance;
let stderr: jest.SpyInstance;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'spillway-new-'));
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  stdout.mockRestore();
  stderr.mockRestore();
  rmSync(root, { recursive: true, force: true });
});

describe('spillway new', () => {
  test('scaffolds a function whose module and decider work', async () => {
    expect(await command.run(['gift-cards', '--dir', root])).toBe(0);
    const folder = join(root, 'functions', 'gift-cards');
    for (const file of ['package.json', 'src/index.ts', 'src/decider.ts', 'src/decider.unit.test.ts']) {
      expect(existsSync(join(folder, file))).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'))).toMatchObject({
      name: '@spillway/gift-cards',
      main: './src/index.ts',
      dependencies: { '@spillway/runtime': '0.1.0' },
    });
    // Let the generated code resolve @spillway/runtime and zod as it would inside the repository.
    symlinkSync(repoNodeModules, join(root, 'node_modules'), 'dir');
    const fn = require(join(folder, 'src', 'index.ts')).default;
    expect(fn.name).toBe('gift-cards');
    // Under its own name, so a second scaffolded function does not clash with the first at the gateway.
    expect(fn.routes.map((r: { method: string; path: string }) => `${r.method} ${r.path}`)).toEqual(['POST /gift-cards/notes']);
    expect(fn.subscription.group).toBe('gift-cards');
    const decider = require(join(folder, 'src', 'decider.ts'));
    const now = new Date('2026-01-01T00:00:00.000Z');
    expect(decider.decide({ type: 'AddNote', text: 'hi', now }, decider.initialState())).toEqual([
      { type: 'NoteAdded', data: { text: 'hi', addedAt: now.toISOString() } },
    ]);
  });

  test('the next steps say the function runs on the next npm start, and print the deploy lines', async () => {
    expect(await command.run(['gift-cards', '--dir', root])).toBe(0);
    const printed = stdout.mock.calls.map(([text]) => String(text)).join('');
    expect(printed).toContain('npx jest functions/gift-cards');
    expect(printed).toMatch(/npm start .*gift-cards runs beside the shop/);
    expect(printed).toContain('curl -X POST http://127.0.0.1:8080/gift-cards/notes');
    expect(printed).toContain(formatDeployEdits(deployEdits('gift-cards')));
    // No longer a hand-started process beside dev: dev runs it.
    expect(printed).not.toContain('PORT=');
  });

  test('refuses to overwrite an existing folder', async () => {
    expect(await command.run(['twice', '--dir', root])).toBe(0);
    expect(await command.run(['twice', '--dir', root])).toBe(1);
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('already exists'));
  });

  test('a --dir that does not exist is a usage error, and nothing is created', async () => {
    const missing = join(root, 'no-such-repo');
    await expect(command.run(['x', '--dir', missing])).rejects.toThrow(/--dir .* is not an existing directory/);
    expect(existsSync(missing)).toBe(false);
  });

  const bad: [string, string[], RegExp][] = [
    ['no name', [], /a function name is required/],
    ['an upper-case name', ['GiftCards'], /not a valid name/],
    ['a name with a slash', ['../escape'], /not a valid name/],
    ['two names', ['a', 'b'], /unexpected argument 'b'/],
    ['an unknown flag', ['a', '--force'], /new: Unknown option '--force'/],
  ];
  test.each(bad)('%s is a usage error', async (_name, argv, message) => {
    await expect(command.run([...argv, '--dir', root])).rejects.toThrow(UsageError);
    await expect(command.run([...argv, '--dir', root])).rejects.toThrow(message);
  });
});
