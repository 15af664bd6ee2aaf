// Where a POST's time goes, from the functions' own histograms: order-create's handling of
// `POST /orders` (spillway_http_request_duration_seconds) and the appends it and stock-reservation
// make (spillway_eventstore_append_duration_seconds). Read from /metrics before and after a rate.
import { addBuckets, type Buckets, bucketDelta, parsePrometheus } from '@spillway/console';

const HTTP = 'spillway_http_request_duration_seconds';
const APPEND = 'spillway_eventstore_append_duration_seconds';

/** One function's histograms at one moment. */
export interface HopSnapshot {
  readonly post: Buckets;
  readonly append: Buckets;
}

/** The function's histograms now; undefined when its /metrics does not answer (its hops are then left out of the line, not the run). */
export async function hopSnapshot(functionUrl: string): Promise<HopSnapshot | undefined> {
  try {
    const res = await fetch(new URL('/metrics', functionUrl));
    if (!res.ok) return undefined;
    const samples = parsePrometheus(await res.text(), [`${HTTP}_bucket`, `${APPEND}_bucket`]);
    const post: Buckets = new Map();
    addBuckets(
      post,
      samples.filter((s) => s.labels['method'] === 'POST' && s.labels['route'] === '/orders'),
      HTTP,
    );
    const append: Buckets = new Map();
    addBuckets(append, samples, APPEND);
    return { post, append };
  } catch {
    return undefined;
  }
}

/**
 * Quantile `q` of a bucketed histogram in ms, interpolated linearly inside its bucket as Prometheus'
 * histogram_quantile does (so as coarse as the buckets: 1, 2.5, 5, 10, 25, 50, 100 ms ...).
 */
export function bucketQuantileMs(buckets: Buckets, q: number): number | undefined {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = buckets.get(le) ?? 0;
    if (count >= rank) {
      if (!Number.isFinite(le)) return lower * 1000;
      const inside = count - below;
      const at = inside > 0 ? lower + ((le - lower) * (rank - below)) / inside : le;
      return Math.round(at * 10000) / 10;
    }
    lower = le;
    below = count;
  }
  return undefined;
}

/** `POST p50/p99 a/b ms, appends p50/p99 c/d ms` for what happened between two snapshots. */
export function hopSummary(before: HopSnapshot | undefined, after: HopSnapshot | undefined, post: boolean): string | undefined {
  if (!before || !after) return undefined;
  const parts: string[] = [];
  const figure = (label: string, later: Buckets, earlier: Buckets) => {
    const delta = bucketDelta(later, earlier);
    if (!delta) return;
    const p50 = bucketQuantileMs(delta, 0.5);
    const p99 = bucketQuantileMs(delta, 0.99);
    if (p50 !== undefined && p99 !== undefined) parts.push(`${label} p50/p99 ${p50}/${p99} ms`);
  };
  if (post) figure('POST handled', after.post, before.post);
  figure('appends', after.append, before.append);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
