/** What one `/metrics` scrape holds: each series name with the label names seen on it. */
export type Exported = ReadonlyMap<string, ReadonlySet<string>>;

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+\S+(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_]\w*)="(?:[^"\\]|\\.)*"/g;

/**
 * Reads Prometheus' text format. Only sample lines count, not `# HELP` / `# TYPE`: a metric that
 * is declared but has never been observed has no series for a query to find.
 */
export function parseExposition(text: string): Map<string, Set<string>> {
  const exported = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m?.[1]) throw new Error(`not a sample line: ${line}`);
    const labels = exported.get(m[1]) ?? new Set<string>();
    for (const [, name = ''] of (m[2] ?? '').matchAll(LABEL)) labels.add(name);
    exported.set(m[1], labels);
  }
  return exported;
}

/** Several scrapes as one: a series name's labels are the union over the scrapes. */
export function mergeExposition(...scrapes: readonly Exported[]): Map<string, Set<string>> {
  const merged = new Map<string, Set<string>>();
  for (const scrape of scrapes) {
    for (const [name, labels] of scrape) merged.set(name, new Set([...(merged.get(name) ?? []), ...labels]));
  }
  return merged;
}
