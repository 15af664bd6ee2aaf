import { UsageError } from '../usage-error';
import { command } from './load';

describe('spillway load flags', () => {
  // Every row fails before a request is sent: nothing listens on these URLs.
  const bad: [string, string[], RegExp][] = [
    ['a URL that does not parse', ['--url', 'http://[::'], /--url must be an http\(s\) URL/],
    ['a URL of another scheme', ['--url', 'ftp://127.0.0.1:1'], /--url must be an http\(s\) URL/],
    ['a fractional --orders', ['--url', 'http://127.0.0.1:1', '--orders', '1.5'], /--orders must be an integer from 1 to/],
    ['--orders in exponent form', ['--url', 'http://127.0.0.1:1', '--orders', '1e3'], /--orders must be an integer from 1 to/],
    ['an empty --concurrency', ['--url', 'http://127.0.0.1:1', '--concurrency', ''], /--concurrency must be an integer from 1 to/],
    ['no SKUs', ['--url', 'http://127.0.0.1:1', '--skus', ' , '], /--skus needs at least one SKU/],
    ['a zero --rate', ['--url', 'http://127.0.0.1:1', '--rate', '0'], /--rate must be an integer from 1 to/],
    ['a fractional --duration', ['--url', 'http://127.0.0.1:1', '--rate', '10', '--duration', '0.5'], /--duration must be an integer/],
    ['a bad --read-url', ['--url', 'http://127.0.0.1:1', '--rate', '10', '--read-url', 'nope'], /--read-url must be an http\(s\) URL/],
    [
      '--concurrency with --rate',
      ['--url', 'http://127.0.0.1:1', '--rate', '10', '--concurrency', '5'],
      /--concurrency belongs to the closed loop/,
    ],
    ['--duration without --rate', ['--url', 'http://127.0.0.1:1', '--duration', '5'], /--duration belongs to the open loop/],
  ];
  test.each(bad)('%s is a usage error', async (_name, argv, message) => {
    await expect(command.run(argv)).rejects.toThrow(UsageError);
    await expect(command.run(argv)).rejects.toThrow(message);
  });
});
