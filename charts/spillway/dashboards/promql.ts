/**
 * Just enough PromQL reading to check a dashboard against what the code exports: which metrics
 * and labels a query names, and which dashboard variables it uses. It understands the forms the
 * dashboard uses and throws on a function it does not know, so a typo cannot pass as a metric.
 */
export interface QueryParts {
  /** Series names, as Prometheus stores them (a histogram's `_bucket`, `_sum`, `_count`). */
  readonly metrics: readonly string[];
  /** Labels named in matchers, `by (...)` / `without (...)` and `label_values(metric, label)`. */
  readonly labels: readonly string[];
  /** Labels the result keeps when the query aggregates with `by (...)`; empty when it does not. */
  readonly grouping: readonly string[];
  /** Dashboard variables (`$name`, `${name}`, `${name:format}`), Grafana's `$__` ones included. */
  readonly variables: readonly string[];
}

const FUNCTIONS = new Set([
  'abs',
  'absent',
  'deriv',
  'clamp_min',
  'histogram_quantile',
  'increase',
  'irate',
  'label_values',
  'rate',
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'topk',
]);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'group_left', 'group_right']);
// `on (...)` and `ignoring (...)` lists are read with `by`; the keywords alone must not pass as metrics.

const VARIABLE = /\$(?:\{(\w+)(?::\w+)?\}|(\w+))/g;
const STRING = /"(?:[^"\\]|\\.)*"/;
const MATCHER = new RegExp(`^\\s*([a-zA-Z_]\\w*)\\s*(?:=~|!~|!=|=)\\s*${STRING.source}\\s*$`);
const IDENTIFIER = /(?<![\w.$])([a-zA-Z_:][\w:]*)(\s*\()?/g;

const unique = (values: Iterable<string>) => [...new Set(values)];

function matcherLabels(block: string, expr: string): string[] {
  if (block.trim() === '') return [];
  // Commas inside a quoted value must not split it: split only on commas outside strings.
  const matchers = block.match(new RegExp(`(?:[^,"]|${STRING.source})+`, 'g')) ?? [];
  return matchers.map((matcher) => {
    const m = MATCHER.exec(matcher);
    if (!m?.[1]) throw new Error(`cannot read the matcher "${matcher.trim()}" in ${expr}`);
    return m[1];
  });
}

/** Reads the metrics, labels and variables of one PromQL query (or a Grafana `label_values(...)` query). */
export function parseQuery(expr: string): QueryParts {
  const variables = unique([...expr.matchAll(VARIABLE)].map((m) => m[1] ?? m[2] ?? ''));
  const labels: string[] = [];
  const grouping: string[] = [];
  const metrics: string[] = [];

  // `${name}` becomes `$name` first, so its braces are not taken for a selector's.
  let rest = expr.replace(VARIABLE, (_, braced: string | undefined, bare: string | undefined) => `$${braced ?? bare}`);
  rest = rest.replace(/\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}/g, (_, block: string) => {
    labels.push(...matcherLabels(block, expr));
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' ');
  rest = rest.replace(/\b(by|without|on|ignoring)\s*\(([^)]*)\)/g, (_, keyword: string, list: string) => {
    const names = list
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    labels.push(...names);
    if (keyword === 'by') grouping.push(...names);
    return ' ';
  });
  rest = rest.replace(/\blabel_values\s*\(\s*([a-zA-Z_:][\w:]*)\s*,\s*([a-zA-Z_]\w*)\s*\)/g, (_, metric: string, label: string) => {
    metrics.push(metric);
    labels.push(label);
    return ' ';
  });
  if (/"/.test(rest)) throw new Error(`a string outside a matcher in ${expr}`);
  rest = rest.replace(VARIABLE, ' ');

  for (const [, name = '', call] of rest.matchAll(IDENTIFIER)) {
    // A binary keyword may be followed by a parenthesis (`x and (y)`): that is no call.
    if (KEYWORDS.has(name)) continue;
    if (call !== undefined) {
      if (!FUNCTIONS.has(name)) throw new Error(`unknown function ${name} in ${expr}`);
    } else {
      metrics.push(name);
    }
  }
  return { metrics: unique(metrics), labels: unique(labels), grouping: unique(grouping), variables };
}

/** Labels a Grafana legend format shows (`{{fn}} p95` -> fn). */
export function legendLabels(legendFormat: string | undefined): string[] {
  return unique([...(legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? ''));
}
