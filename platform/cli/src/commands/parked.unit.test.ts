import { UsageError } from '../usage-error';
import { command, parkedStream } from './parked';

describe('spillway parked flags', () => {
  const bad: [string, string[], RegExp][] = [
    ['--stream with --all', ['--group', 'g', '--stream', 's', '--all'], /not both/],
    ['--replay without --group', ['--replay'], /need --group/],
    ['--all without --group', ['--all'], /need --group/],
    ['a non-numeric --limit', ['--group', 'g', '--limit', 'ten'], /--limit must be a positive integer/],
    ['an unknown flag', ['--grop', 'g'], /parked: /],
    ['a --limit beyond the cap', ['--group', 'g', '--limit', '99999999999999999999'], /--limit must be a positive integer/],
    ['a --limit in exponent form', ['--group', 'g', '--limit', '1e3'], /--limit must be a positive integer/],
    ['an empty --group', ['--group', ''], /--group must be a non-empty name/],
    ['an empty --stream', ['--group', 'g', '--stream', ''], /--stream must be a non-empty name/],
    [
      'a --connection that is not a connection string',
      ['--connection', 'localhost:2113'],
      /--connection must be an esdb:\/\/ connection string/,
    ],
  ];
  test.each(bad)('%s is a usage error', async (_name, argv, message) => {
    const run = command.run(argv);
    await expect(run).rejects.toThrow(UsageError);
    await expect(command.run(argv)).rejects.toThrow(message);
  });

  test('parked events live where EventStoreDB keeps them', () => {
    expect(parkedStream('$all', 'stock-reservation')).toBe('$persistentsubscription-$all::stock-reservation-parked');
    expect(parkedStream('orders', 'g')).toBe('$persistentsubscription-orders::g-parked');
  });
});
