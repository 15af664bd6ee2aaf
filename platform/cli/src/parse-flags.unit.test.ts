import { parseFlags } from './parse-flags';
import { UsageError } from './usage-error';

describe('parseFlags', () => {
  test('reads known flags', () => {
    const { values } = parseFlags('emulator', ['--port', '2113', '--mem'], { port: { type: 'string' }, mem: { type: 'boolean' } });
    expect(values).toMatchObject({ port: '2113', mem: true });
  });

  test.each([
    ['an unknown flag', ['--nope']],
    ['a stray positional', ['extra']],
    ['a missing value', ['--port']],
  ])('rejects %s with a UsageError naming the command', (_name, argv) => {
    expect(() => parseFlags('emulator', argv, { port: { type: 'string' } })).toThrow(UsageError);
    expect(() => parseFlags('emulator', argv, { port: { type: 'string' } })).toThrow(/^emulator: /);
  });
});
