import { percentile, percentiles } from './percentile';

describe('percentiles', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  const rows: [string, readonly number[], number, number][] = [
    ['no samples', [], 99, 0],
    ['one sample is every percentile', [7], 50, 7],
    ['p50 of 1..100 is 50 (nearest rank)', hundred, 50, 50],
    ['p99 of 1..100 is 99', hundred, 99, 99],
    ['p100 is the max', hundred, 100, 100],
    ['p99 of 1..10 is the max (fewer than 100 samples)', hundred.slice(0, 10), 99, 10],
    ['p90 of 1..10 is 9', hundred.slice(0, 10), 90, 9],
    ['p0 is the min', hundred, 0, 1],
  ];
  test.each(rows)('%s', (_name, sorted, p, expected) => {
    expect(percentile(sorted, p)).toBe(expected);
  });

  test('percentiles sorts, rounds to a tenth and leaves its input alone', () => {
    const samples = [3.04159, 1, 2.05, 10.26];
    expect(percentiles(samples)).toEqual({ p50: 2.1, p90: 10.3, p99: 10.3, max: 10.3 });
    expect(samples).toEqual([3.04159, 1, 2.05, 10.26]);
  });
});
