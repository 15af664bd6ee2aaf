import type { Buckets } from '@spillway/console';
import { bucketQuantileMs, hopSummary } from './hop-latency';

/** Cumulative buckets from per-bucket counts: [upper bound in s, count in that bucket]. */
function cumulative(rows: readonly [number, number][]): Buckets {
  const out: Buckets = new Map();
  let sum = 0;
  for (const [le, n] of rows) {
    sum += n;
    out.set(le, sum);
  }
  return out;
}

describe('bucketQuantileMs', () => {
  const buckets = cumulative([
    [0.001, 0],
    [0.0025, 50],
    [0.005, 40],
    [0.01, 9],
    [0.025, 1],
    [Number.POSITIVE_INFINITY, 0],
  ]);

  test.each([
    { name: 'the median, halfway through its bucket (1 to 2.5 ms holds the first 50 of 100)', q: 0.5, ms: 2.5 },
    { name: 'p25, halfway into the first non-empty bucket', q: 0.25, ms: 1.8 },
    { name: 'p90: the last of the 5 ms bucket', q: 0.9, ms: 5 },
    { name: 'p99: the end of the 10 ms bucket', q: 0.99, ms: 10 },
    { name: 'p100 lies in the 25 ms bucket', q: 1, ms: 25 },
  ])('$name', ({ q, ms }) => {
    expect(bucketQuantileMs(buckets, q)).toBeCloseTo(ms, 1);
  });

  test('no observations: no figure', () => {
    expect(
      bucketQuantileMs(
        cumulative([
          [0.001, 0],
          [Number.POSITIVE_INFINITY, 0],
        ]),
        0.5,
      ),
    ).toBeUndefined();
  });

  test('beyond the last finite bucket, the figure is that bucket’s bound (all a histogram can tell)', () => {
    expect(
      bucketQuantileMs(
        cumulative([
          [0.005, 1],
          [Number.POSITIVE_INFINITY, 9],
        ]),
        0.99,
      ),
    ).toBe(5);
  });
});

describe('hopSummary', () => {
  const at = (post: readonly [number, number][], append: readonly [number, number][]) => ({
    post: cumulative(post),
    append: cumulative(append),
  });

  test('reports what happened between the snapshots, not since the process started', () => {
    const before = at(
      [
        [0.005, 100],
        [0.05, 0],
        [Number.POSITIVE_INFINITY, 0],
      ],
      [
        [0.005, 100],
        [Number.POSITIVE_INFINITY, 0],
      ],
    );
    const after = at(
      [
        [0.005, 100],
        [0.05, 10],
        [Number.POSITIVE_INFINITY, 0],
      ],
      [
        [0.005, 110],
        [Number.POSITIVE_INFINITY, 0],
      ],
    );
    expect(hopSummary(before, after, true)).toBe('POST handled p50/p99 27.5/49.6 ms, appends p50/p99 2.5/5 ms');
  });

  test('a function that takes no POSTs reports its appends only; a missing snapshot reports nothing', () => {
    const snap = at(
      [[Number.POSITIVE_INFINITY, 0]],
      [
        [0.01, 4],
        [Number.POSITIVE_INFINITY, 0],
      ],
    );
    const empty = at(
      [[Number.POSITIVE_INFINITY, 0]],
      [
        [0.01, 0],
        [Number.POSITIVE_INFINITY, 0],
      ],
    );
    expect(hopSummary(empty, snap, false)).toBe('appends p50/p99 5/9.9 ms');
    expect(hopSummary(undefined, snap, false)).toBeUndefined();
  });
});
