import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allPanels, DASHBOARDS_DIR, type Dashboard, dashboardProblems, dashboardQueries, loadDashboard, type Panel } from './dashboard';
import { parseExposition } from './exposition';

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template.
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const FILES = readdirSync(DASHBOARDS_DIR).filter((file) => file.endsWith('.json'));
const GRID_COLUMNS = 24;
// Grafana's core panel types this chart's dashboards may use.
const PANEL_TYPES = new Set(['row', 'timeseries', 'stat', 'gauge', 'bargauge', 'table', 'text', 'heatmap']);

test('the chart ships the Spillway dashboard', () => {
  expect(FILES).toContain('spillway.json');
});

describe.each(FILES)('%s is a Grafana dashboard a sidecar can load as it is', (file) => {
  const text = readFileSync(join(DASHBOARDS_DIR, file), 'utf8');
  const dashboard = loadDashboard(file);
  const panels = allPanels(dashboard);
  const queryPanels = panels.filter((panel) => panel.type !== 'row');

  test('has a stable uid, a title and a schema version', () => {
    expect(dashboard.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(dashboard.title?.trim()).not.toBe('');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
  });

  test('is not an "export for sharing" file: no __inputs and no DS_ input placeholders, which a sidecar never fills', () => {
    expect(Object.keys(dashboard)).not.toContain('__inputs');
    expect(text).not.toMatch(/\$\{DS_/);
  });

  test('has panel ids that are unique integers', () => {
    const ids = panels.map((panel) => panel.id);
    for (const id of ids) expect(Number.isInteger(id)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('uses only core panel types', () => {
    for (const panel of panels)
      expect({ title: panel.title, type: PANEL_TYPES.has(panel.type ?? '') }).toEqual({ title: panel.title, type: true });
  });

  test('picks Prometheus through a templated datasource variable', () => {
    const variables = dashboard.templating?.list ?? [];
    expect(variables.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const variable of variables.filter((v) => v.type === 'query')) expect(variable.datasource).toEqual(DATASOURCE);
    for (const panel of queryPanels) {
      expect({ panel: panel.title, datasource: panel.datasource }).toEqual({ panel: panel.title, datasource: DATASOURCE });
      for (const target of panel.targets ?? [])
        expect({ panel: panel.title, datasource: target.datasource }).toEqual({ panel: panel.title, datasource: DATASOURCE });
    }
  });

  test('every panel queries something, with unique refIds', () => {
    for (const panel of queryPanels) {
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      expect({ panel: panel.title, targets: refIds.length > 0, unique: new Set(refIds).size === refIds.length }).toEqual({
        panel: panel.title,
        targets: true,
        unique: true,
      });
      for (const target of panel.targets ?? []) expect(target.expr?.trim()).toBeTruthy();
    }
  });

  test('panels fit the 24-column grid without overlapping', () => {
    const boxes = panels.map((panel) => ({ title: panel.title, ...panel.gridPos }));
    for (const box of boxes) {
      expect(box).toEqual(
        expect.objectContaining({ x: expect.any(Number), y: expect.any(Number), w: expect.any(Number), h: expect.any(Number) }),
      );
      expect((box.x ?? 0) + (box.w ?? 0)).toBeLessThanOrEqual(GRID_COLUMNS);
    }
    const overlap = (a: Panel['gridPos'], b: Panel['gridPos']) =>
      !!a && !!b && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    const overlapping = boxes.flatMap((a, i) =>
      boxes
        .slice(i + 1)
        .filter((b) => overlap(a as Panel['gridPos'], b as Panel['gridPos']))
        .map((b) => `${a.title} / ${b.title}`),
    );
    expect(overlapping).toEqual([]);
  });
});

describe('dashboardProblems', () => {
  const exported = parseExposition(
    [
      '# HELP declared_only_total never observed',
      '# TYPE declared_only_total counter',
      'jobs_total{fn="a",outcome="acked"} 3',
      'job_seconds_bucket{fn="a",le="0.1"} 1',
      'job_seconds_bucket{fn="a",le="+Inf"} 1',
      'job_seconds_sum{fn="a"} 0.05',
      'job_seconds_count{fn="a"} 1',
    ].join('\n'),
  );
  const dashboard = (expr: string, legendFormat = ''): Dashboard => ({
    templating: { list: [{ name: 'fn', type: 'custom' }] },
    panels: [{ id: 1, type: 'timeseries', title: 'P', targets: [{ refId: 'A', expr, legendFormat }] }],
  });

  test.each([
    {
      name: 'an exported counter, labels kept for the legend',
      expr: 'sum by (outcome) (rate(jobs_total{fn=~"$fn"}[$__rate_interval]))',
      legend: '{{outcome}}',
      problems: [],
    },
    {
      name: 'a histogram quantile over its buckets',
      expr: 'histogram_quantile(0.9, sum by (le, fn) (rate(job_seconds_bucket[5m])))',
      legend: '{{fn}} p90',
      problems: [],
    },
    {
      name: 'a metric nobody exports',
      expr: 'rate(jobz_total[5m])',
      legend: '',
      problems: ['panel "P" A: no series jobz_total is exported'],
    },
    {
      name: "a histogram's bare name, which Prometheus has no series for",
      expr: 'rate(job_seconds[5m])',
      legend: '',
      problems: ['panel "P" A: no series job_seconds is exported'],
    },
    {
      name: 'a metric that is declared but was never observed',
      expr: 'declared_only_total',
      legend: '',
      problems: ['panel "P" A: no series declared_only_total is exported'],
    },
    {
      name: 'a label the series lacks',
      expr: 'jobs_total{route="/x"}',
      legend: '',
      problems: ['panel "P" A: label route is on none of jobs_total'],
    },
    {
      name: 'a legend label the aggregation drops',
      expr: 'sum by (fn) (jobs_total)',
      legend: '{{outcome}}',
      problems: ['panel "P" A: the legend shows outcome, which the result does not have'],
    },
    {
      name: 'an undefined variable',
      expr: 'jobs_total{fn=~"$function"}',
      legend: '',
      problems: ['panel "P" A: variable $function is not defined'],
    },
    {
      name: 'a query it cannot read',
      expr: 'histogram_quantle(0.5, jobs_total)',
      legend: '',
      problems: ['panel "P" A: unknown function histogram_quantle in histogram_quantle(0.5, jobs_total)'],
    },
  ])('$name', ({ expr, legend, problems }) => {
    expect(dashboardProblems(dashboard(expr, legend), exported)).toEqual(problems);
  });

  test('reads query variables and panels nested in collapsed rows', () => {
    const nested: Dashboard = {
      templating: { list: [{ name: 'fn', type: 'query', query: { query: 'label_values(nope_total, fn)' } }] },
      panels: [
        {
          id: 1,
          type: 'row',
          title: 'R',
          panels: [{ id: 2, type: 'timeseries', title: 'Inner', targets: [{ refId: 'B', expr: 'gone_total' }] }],
        },
      ],
    };
    expect(dashboardQueries(nested).map((q) => q.where)).toEqual(['panel "Inner" B', 'variable fn']);
    expect(dashboardProblems(nested, exported)).toEqual([
      'panel "Inner" B: no series gone_total is exported',
      'variable fn: no series nope_total is exported',
      'variable fn: label fn is on none of nope_total',
    ]);
  });
});
