import { UsageError } from '../usage-error';
import { command } from './emulator';

describe('spillway emulator flags', () => {
  // Every row fails before an emulator is started.
  const bad: [string, string[], RegExp][] = [
    ['an empty --host (Node would listen on every interface)', ['--host', ''], /--host must be a non-empty name/],
    ['a --port that is not a number', ['--port', 'grpc'], /--port must be a port number/],
    ['--data-dir with --mem', ['--mem', '--data-dir', 'x'], /not both/],
    ['--tls-cert without --tls-key', ['--tls-cert', 'c.pem'], /go together/],
    ['--user without TLS', ['--user', 'admin:changeit'], /--user needs --tls-cert/],
  ];
  test.each(bad)('%s is a usage error', async (_name, argv, message) => {
    await expect(command.run(argv)).rejects.toThrow(UsageError);
    await expect(command.run(argv)).rejects.toThrow(message);
  });
});
