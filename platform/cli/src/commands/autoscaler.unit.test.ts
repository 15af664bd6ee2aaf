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
  ];
  test.each(bad)('%s is a usage error', async (_name, argv, message) => {
    await expect(command.run(argv)).rejects.toThrow(UsageError);
    await expect(command.run(argv)).rejects.toThrow(message);
  });
});
