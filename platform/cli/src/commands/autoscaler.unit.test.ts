import { UsageError } from '../usage-error';
import { command } from './autoscaler';

describe('spillway autoscaler flags', () => {
  // Every row fails before the configuration is read or anything is started.
  const bad: [string, string[], RegExp][] = [
    ['an empty --port', ['--port', ''], /--port must be a port number/],
    ['a --port out of range', ['--port', '70000'], /--port must be a port number/],
    ['a --grpc-port that is not a number', ['--grpc-port', 'grpc'], /--grpc-port must be a port number/],
    ['an empty --namespace', ['--namespace', ''], /--namespace must be a non-empty name/],
    ['a zero --interval', ['--interval', '0s'], /--interval expects a duration/],
    ['a lease duration not longer than the renew deadline', ['--leader-elect-lease-duration', '10s'], /lease duration must be longer/],
    [
      'a renew deadline not longer than the retry period',
      ['--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '2s'],
      /renew deadline must be longer than the retry period/,
    ],
    ['a retry period that is not a duration', ['--leader-elect-retry-period', 'often'], /--leader-elect-retry-period expects a duration/],
  ];
  test.each(bad)('%s is a usage error', async (_name, argv, message) => {
    await expect(command.run(argv)).rejects.toThrow(UsageError);
    await expect(command.run(argv)).rejects.toThrow(message);
  });
});
