import { pollDelay } from './e2e-sampler';

describe('end-to-end sample polling', () => {
  const rows: [string, number, number][] = [
    ['at first every 10 ms', 0, 10],
    ['still 10 ms at 100 ms', 100, 10],
    ['5 % of the time taken at 1 s', 1_000, 50],
    ['at most a second, however slow', 60_000, 1_000],
  ];
  test.each(rows)('%s', (_name, elapsed, delay) => {
    expect(pollDelay(elapsed)).toBe(delay);
  });
});
