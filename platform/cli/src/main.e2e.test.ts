import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..', '..');

// Runs the installed bin exactly as a user's `npx spillway` would.
function spillway(...args: string[]) {
  const result = spawnSync('npx', ['--no-install', 'spillway', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the spillway bin', () => {
  test('--help lists every command and exits 0', () => {
    const { code, stdout } = spillway('--help');
    expect(code).toBe(0);
    for (const name of ['emulator', 'dev', 'autoscaler', 'load', 'status', 'parked', 'new']) {
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
  });

  test('no arguments prints the help and exits 2 (a command is required)', () => {
    const { code, stdout } = spillway();
    expect(code).toBe(2);
    expect(stdout).toMatch(/^Usage: spillway <command> \[flags\]/);
    expect(stdout).toMatch(/^ {2}status /m);
  });

  test('--version prints the package version', () => {
    const { code, stdout } = spillway('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('an unknown command exits 2 with one line naming it', () => {
    const { code, stderr } = spillway('nope');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual(["spillway: unknown command 'nope' (see 'spillway --help')"]);
  });

  test('an unknown top-level flag exits 2', () => {
    const { code, stderr } = spillway('--frobnicate');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown flag '--frobnicate'");
  });
});
