import { UsageError } from '../usage-error';
import { command } from './emulator';
import { command as log } from './log';

describe('spillway emulator flags', () => {
  // Every row fails before an emulator is started.
  const bad: [string, string[], RegExp][] = [
    ['an empty --host (Node would listen on every interface)', ['--host', ''], /--host must be a non-empty name/],
    ['a --port that is not a number', ['--port', 'grpc'], /--port must be a port number/],
    ['--data-dir with --mem', ['--mem', '--data-dir', 'x'], /not both/],
    ['--tls-cert without --tls-key', ['--tls-cert', 'c.pem'], /go together/],
    ['--user without TLS', ['--user', 'admin:changeit'], /--user needs --tls-cert/],
    ['--auth without TLS', ['--mem', '--auth'], /--auth needs --tls-cert/],
    [
      'a non-loopback --host without TLS',
      ['--mem', '--host', '0.0.0.0'],
      /--host 0.0.0.0 without TLS serves every stream .* --insecure to mean it/,
    ],
    ['a LAN --host without TLS', ['--mem', '--host', '192.168.1.20'], /--insecure to mean it/],
    ['--insecure with TLS', ['--mem', '--insecure', '--tls-cert', 'c.pem', '--tls-key', 'k.pem'], /contradict/],
    ['a --user with an empty password', ['--mem', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--user', 'admin:'], /empty password/],
    ['a --max-append-size that is not a byte count', ['--mem', '--max-append-size', '1MB'], /--max-append-size must be a number of bytes/],
    ['a --max-append-size of 0', ['--mem', '--max-append-size', '0'], /--max-append-size must be a number of bytes above 0/],
    ['an unknown --run-projections level', ['--mem', '--run-projections', 'some'], /--run-projections must be one of none, system, all/],
  ];
  test.each(bad)('%s is a usage error', async (_name, argv, message) => {
    await expect(command.run(argv)).rejects.toThrow(UsageError);
    await expect(command.run(argv)).rejects.toThrow(message);
  });
});

describe('spillway emulator --repair and spillway log flags', () => {
  test('--repair with --mem is a usage error (there is no log to repair)', async () => {
    await expect(command.run(['--mem', '--repair'])).rejects.toThrow(/--repair repairs the log in --data-dir/);
  });

  const bad: [string, string[], RegExp][] = [
    ['no action', [], /give verify or repair/],
    ['an unknown action', ['fix'], /give verify or repair, got 'fix'/],
    ['a second argument', ['verify', 'extra'], /unexpected argument 'extra'/],
    ['an empty --data-dir', ['verify', '--data-dir', ' '], /--data-dir must not be empty/],
    ['an unknown flag', ['verify', '--force'], /Unknown option '--force'/],
  ];
  test.each(bad)('spillway log with %s is a usage error', async (_name, argv, message) => {
    await expect(log.run(argv)).rejects.toThrow(UsageError);
    await expect(log.run(argv)).rejects.toThrow(message);
  });
});

describe('spillway emulator on a port in use', () => {
  test('fails with one line naming the port and the flag, before the gRPC library can print its own', async () => {
    const { createServer } = await import('node:net');
    const holder = createServer();
    const port = await new Promise<number>((resolve) =>
      holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)),
    );
    try {
      await expect(command.run(['--mem', '--port', String(port)])).rejects.toThrow(
        `port ${port} (the emulator) is already in use by another process; stop it, or pass --port <port> (0 picks a free one)`,
      );
    } finally {
      holder.close();
    }
  });
});
