import { AutoscalerUsageError, parseAutoscalerArgs } from './command';

describe('the console flags of spillway autoscaler', () => {
  test.each([
    { name: 'no flag: a read-only console', argv: [], console: true, consoleAllowReplay: false },
    { name: '--console-allow-replay: replay allowed', argv: ['--console-allow-replay'], console: true, consoleAllowReplay: true },
    { name: '--no-console: none', argv: ['--no-console'], console: false, consoleAllowReplay: false },
  ])('$name', ({ argv, console, consoleAllowReplay }) => {
    expect(parseAutoscalerArgs(argv)).toMatchObject({ console, consoleAllowReplay });
  });

  test('--console-allow-replay with --no-console is a usage error', () => {
    expect(() => parseAutoscalerArgs(['--no-console', '--console-allow-replay'])).toThrow(AutoscalerUsageError);
  });
});
