import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const bin = join(__dirname, '..', '..', 'bin', 'spillway-function.js');
const fixture = join(__dirname, '..', '..', 'test', 'fixtures', 'echo');

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { code: result.status, stderr: result.stderr };
}

describe('the spillway-function bin', () => {
  test('without a folder it prints usage and exits 2', () => {
    const { code, stderr } = run([]);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: spillway-function <function folder or module path>');
  });

  test('bad configuration stops start-up with one line naming every wrong variable', () => {
    const { code, stderr } = run([fixture], { PORT: 'x', LOG_LEVEL: 'chatty', DRAIN_TIMEOUT_MS: '0' });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    for (const name of ['PORT', 'LOG_LEVEL', 'DRAIN_TIMEOUT_MS']) expect(lines[0]).toContain(name);
  });

  test.each<{ name: string; env: Record<string, string> }>([
    { name: 'an empty API_TOKENS (an empty Secret value)', env: { API_TOKENS: '' } },
    { name: 'a blank API_TOKENS', env: { API_TOKENS: '  ' } },
    { name: 'no API_TOKENS and no AUTH=none', env: {} },
  ])('$name stops start-up naming API_TOKENS instead of opening every route', ({ env }) => {
    const { code, stderr } = run([fixture], env);
    expect(code).toBe(1);
    expect(stderr).toMatch(/invalid configuration: API_TOKENS: /);
  });

  test('a folder that holds no function is named in the error', () => {
    const { code, stderr } = run([join(__dirname, 'no-such-function')], { AUTH: 'none' });
    expect(code).toBe(1);
    expect(stderr).toContain('no such function folder or module');
  });
});
