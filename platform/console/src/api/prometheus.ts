/** One sample of the Prometheus text format: name, labels, value. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the samples of a `/metrics` answer (comments and malformed lines are skipped). */
export function parsePrometheus(text: string, names: readonly string[]): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match || !names.includes(match[1]!)) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = value!.replace(/\\(.)/g, '$1');
    const value = Number(match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** Cumulative histogram buckets (upper bound -> count), summed over label sets and replicas. */
export type Buckets = Map<number, number>;

export function addBuckets(into: Buckets, samples: readonly PromSample[], name: string): void {
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels['le']);
    into.set(le, (into.get(le) ?? 0) + s.value);
  }
}

/** The upper bound of the bucket holding quantile `q` (what a bucketed histogram can tell); undefined with no observations. */
export function quantile(buckets: Buckets, q: number): number | undefined {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  for (const le of bounds) if ((buckets.get(le) ?? 0) >= rank) return Number.isFinite(le) ? le : bounds.at(-2);
  return undefined;
}

/** `later - earlier` per bucket; undefined when a counter went down (a replica restarted or left). */
export function bucketDelta(later: Buckets, earlier: Buckets): Buckets | undefined {
  const delta: Buckets = new Map();
  for (const [le, count] of later) {
    const d = count - (earlier.get(le) ?? 0);
    if (d < 0) return undefined;
    delta.set(le, d);
  }
  return delta;
}
