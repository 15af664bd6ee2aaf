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

describe('the --connection flag of spillway autoscaler', () => {
  test.each([
    ['one node', 'esdb://127.0.0.1:2113?tls=false'],
    ['a node or cluster found through Gossip', 'esdb+discover://admin:changeit@esdb.shop:2113?tls=true'],
  ])('takes %s (%s)', (_name, connection) => {
    expect(parseAutoscalerArgs(['--connection', connection])).toMatchObject({ connection });
  });

  test('an http URL is a usage error', () => {
    expect(() => parseAutoscalerArgs(['--connection', 'http://esdb:2113'])).toThrow(AutoscalerUsageError);
  });
});
