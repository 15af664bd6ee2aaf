import { pollDelay, ReadBudget } from './e2e-sampler';

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

describe('the read budget all samples share', () => {
  test('reads within the budget go at once, a burst included', () => {
    const budget = new ReadBudget(100, 10);
    // 100 a second: one every 10 ms. Reads 10 ms apart never wait.
    for (let t = 0; t < 1_000; t += 10) expect(budget.reserve(t)).toBe(t);
    // After a pause, a burst of 11 goes at once (the burst, and the read it follows).
    const after = 5_000;
    for (let i = 0; i <= 10; i++) expect(budget.reserve(after)).toBe(after);
  });

  test('many samples asking at once are spaced to the budget, so reads per second stay bounded', () => {
    const budget = new ReadBudget(100, 10);
    // 400 samples all asking to read at t = 0: past the burst they are spread 10 ms apart.
    const times = Array.from({ length: 400 }, () => budget.reserve(0));
    expect(times.slice(0, 11)).toEqual(new Array(11).fill(0));
    expect(times[11]).toBe(10);
    expect(times[399]).toBe(3_890);
    // In any one second of that, no more than the budget plus the burst.
    for (let from = 0; from < 3_000; from += 250) {
      expect(times.filter((t) => t >= from && t < from + 1_000).length).toBeLessThanOrEqual(110);
    }
  });
});
