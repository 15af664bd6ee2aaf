import { arrivals, type Clock, intendedOffset, runOpenLoop } from './schedule';

/** A clock that only moves when slept on, or when a test says the generator was busy. */
function virtualClock(): Clock & { advance(ms: number): void } {
  let now = 1_000;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

describe('open-loop schedule', () => {
  const counts: [string, number, number, number][] = [
    ['10/s for 1 s', 10, 1_000, 10],
    ['200/s for 20 s', 200, 20_000, 4_000],
    ['3/s for 1.5 s (the last arrival at 1.333 s)', 3, 1_500, 5],
    ['1/s for 0.5 s (only the one at 0)', 1, 500, 1],
  ];
  test.each(counts)('%s has the expected number of arrivals', (_name, rate, durationMs, expected) => {
    expect(arrivals(rate, durationMs)).toBe(expected);
  });

  test('fires every arrival at its intended time, one every 1000/rate ms', async () => {
    const clock = virtualClock();
    const fired: [number, number, number][] = [];
    await runOpenLoop({ rate: 4, durationMs: 1_000, clock, fire: (i, intendedAt) => fired.push([i, intendedAt, clock.now()]) });
    expect(fired).toEqual([
      [0, 1_000, 1_000],
      [1, 1_250, 1_250],
      [2, 1_500, 1_500],
      [3, 1_750, 1_750],
    ]);
  });

  test('a late generator fires the overdue arrivals at once and keeps their intended times (no coordinated omission)', async () => {
    const clock = virtualClock();
    const fired: { i: number; intendedAt: number; at: number }[] = [];
    await runOpenLoop({
      rate: 10,
      durationMs: 1_000,
      clock,
      fire: (i, intendedAt) => {
        fired.push({ i, intendedAt, at: clock.now() });
        // The generator stalls for 350 ms while firing arrival 2 (a long GC, a busy event loop).
        if (i === 2) clock.advance(350);
      },
    });
    expect(fired).toHaveLength(10);
    expect(fired.map((f) => f.intendedAt - 1_000)).toEqual(Array.from({ length: 10 }, (_, i) => intendedOffset(10, i)));
    // Arrivals 3..5 were due during the stall: sent together right after it, not skipped, not re-timed.
    expect(fired.slice(3, 6).map((f) => f.at)).toEqual([1_550, 1_550, 1_550]);
    expect(fired[6]).toEqual({ i: 6, intendedAt: 1_600, at: 1_600 });
  });

  test('the open loop does not wait for answers: fire is called even when no request ever completes', async () => {
    const clock = virtualClock();
    let fired = 0;
    const never: Promise<void>[] = [];
    await runOpenLoop({
      rate: 50,
      durationMs: 1_000,
      clock,
      fire: () => {
        fired++;
        never.push(new Promise<void>(() => {}));
      },
    });
    expect(fired).toBe(50);
  });
});
