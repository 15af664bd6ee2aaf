import { legendLabels, parseQuery } from './promql';

describe('parseQuery', () => {
  test.each([
    {
      name: 'a rate summed by labels',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template.
      expr: 'sum by (fn, outcome) (rate(spillway_events_processed_total{fn=~"$fn", group=~"${group}"}[$__rate_interval]))',
      metrics: ['spillway_events_processed_total'],
      labels: ['fn', 'group', 'outcome'],
      grouping: ['fn', 'outcome'],
      variables: ['fn', 'group', '__rate_interval'],
    },
    {
      name: 'a quantile of histogram buckets',
      expr: 'histogram_quantile(0.95, sum by (le, route) (rate(http_seconds_bucket{fn=~"$fn"}[5m])))',
      metrics: ['http_seconds_bucket'],
      labels: ['fn', 'le', 'route'],
      grouping: ['le', 'route'],
      variables: ['fn'],
    },
    {
      name: 'two metrics, a bare one and a negative matcher with a comma in its value',
      expr: 'a_total{direction!="up,down"} / on (fn) b_seconds_count',
      metrics: ['a_total', 'b_seconds_count'],
      labels: ['direction', 'fn'],
      grouping: [],
      variables: [],
    },
    {
      name: "Grafana's label_values with a selector",
      expr: 'label_values(spillway_events_in_flight{fn=~"$fn"}, group)',
      metrics: ['spillway_events_in_flight'],
      labels: ['fn', 'group'],
      grouping: [],
      variables: ['fn'],
    },
    {
      name: 'a variable written with a format',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template.
      expr: 'up{job=~"${job:regex}"} and bool 1',
      metrics: ['up'],
      labels: ['job'],
      grouping: [],
      variables: ['job'],
    },
  ])('$name', ({ expr, metrics, labels, grouping, variables }) => {
    const parts = parseQuery(expr);
    expect([...parts.metrics].sort()).toEqual([...metrics].sort());
    expect([...parts.labels].sort()).toEqual([...labels].sort());
    expect(parts.grouping).toEqual(grouping);
    expect([...parts.variables].sort()).toEqual([...variables].sort());
  });

  test.each([
    { name: 'a misspelt function', expr: 'histogram_quantle(0.5, x_bucket)', message: 'unknown function histogram_quantle' },
    { name: 'a matcher it cannot read', expr: 'x{fn}', message: 'cannot read the matcher "fn"' },
    { name: 'a string outside a selector', expr: 'label_replace(x, "a", "b", "c", "d")', message: 'a string outside a matcher' },
  ])('refuses $name', ({ expr, message }) => {
    expect(() => parseQuery(expr)).toThrow(message);
  });
});

test('legendLabels reads {{label}} placeholders', () => {
  expect(legendLabels('{{ fn }}/{{group}} p95 {{fn}}')).toEqual(['fn', 'group']);
  expect(legendLabels(undefined)).toEqual([]);
});
