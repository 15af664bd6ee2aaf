import { addBuckets, type Buckets, bucketDelta, parsePrometheus, quantile } from './prometheus';

const TEXT = `# HELP spillway_events_processed_total Delivered events by outcome
# TYPE spillway_events_processed_total counter
spillway_events_processed_total{outcome="acked",type="OrderCreated",fn="stock-reservation"} 40
spillway_events_processed_total{outcome="parked",type="Poison",fn="stock-reservation"} 2
spillway_handler_duration_seconds_bucket{le="0.005",type="OrderCreated"} 30
spillway_handler_duration_seconds_bucket{le="0.01",type="OrderCreated"} 39
spillway_handler_duration_seconds_bucket{le="0.05",type="OrderCreated"} 42
spillway_handler_duration_seconds_bucket{le="+Inf",type="OrderCreated"} 42
process_cpu_seconds_total 1.5
not a sample
`;

describe('reading a replica /metrics answer', () => {
  const samples = parsePrometheus(TEXT, ['spillway_events_processed_total', 'spillway_handler_duration_seconds_bucket']);

  test('only the named metrics, with their labels', () => {
    expect(samples).toHaveLength(6);
    expect(samples[1]).toEqual({
      name: 'spillway_events_processed_total',
      labels: { outcome: 'parked', type: 'Poison', fn: 'stock-reservation' },
      value: 2,
    });
  });

  test.each([
    { name: 'the median', q: 0.5, bound: 0.005 },
    { name: 'p90', q: 0.9, bound: 0.01 },
    { name: 'p99', q: 0.99, bound: 0.05 },
  ])('$name is the upper bound of its bucket', ({ q, bound }) => {
    const buckets: Buckets = new Map();
    addBuckets(buckets, samples, 'spillway_handler_duration_seconds');
    expect(quantile(buckets, q)).toBe(bound);
  });

  test('no observations: no quantile; a counter that went down: no delta', () => {
    expect(quantile(new Map([[Number.POSITIVE_INFINITY, 0]]), 0.99)).toBeUndefined();
    expect(bucketDelta(new Map([[1, 3]]), new Map([[1, 5]]))).toBeUndefined();
    expect(bucketDelta(new Map([[1, 5]]), new Map([[1, 3]]))).toEqual(new Map([[1, 2]]));
  });
});
