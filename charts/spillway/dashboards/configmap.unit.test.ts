import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { lintChart, removeScratchDir, renderChart, renderChartError, UMBRELLA_CHART, type Values } from '../../test-kit/helm';
import { only } from '../../test-kit/manifests';
import { DASHBOARDS_DIR } from './dashboard';

afterAll(removeScratchDir);

const NAME = 'spillway-grafana-dashboards';
const FILES = readdirSync(DASHBOARDS_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort();
const withDashboards = (dashboards: Values = {}): Values => ({ grafana: { dashboards: { enabled: true, ...dashboards } } });
const render = (values: Values) => renderChart(UMBRELLA_CHART, values, { release: 'spillway', namespace: 'shop' });

test('by default no dashboard ConfigMap is rendered', () => {
  expect(render({}).filter((m) => m.kind === 'ConfigMap')).toEqual([]);
});

describe('when enabled', () => {
  const configMap = only<IConfigMap>(render(withDashboards()), 'ConfigMap', NAME);

  test('is a valid ConfigMap', () => {
    expect(() => new ConfigMap(configMap).validate()).not.toThrow();
  });

  test("carries the sidecar's label grafana_dashboard: \"1\" beside the chart's own labels, in the release's namespace", () => {
    expect(configMap.metadata?.labels).toMatchObject({
      grafana_dashboard: '1',
      'app.kubernetes.io/part-of': 'spillway',
      'app.kubernetes.io/component': 'grafana-dashboards',
    });
    expect(configMap.metadata?.namespace).toBeUndefined();
    expect(configMap.metadata?.annotations).toBeUndefined();
  });

  test('holds every dashboard file, byte for byte (legend {{label}}s are not templated away)', () => {
    expect(Object.keys(configMap.data ?? {}).sort()).toEqual(FILES);
    for (const file of FILES) {
      const shipped = readFileSync(join(DASHBOARDS_DIR, file), 'utf8');
      expect(configMap.data?.[file]).toBe(shipped.trimEnd());
      expect(configMap.data?.[file]).toContain('{{fn}}');
    }
  });

  test('passes helm lint --strict', () => {
    const result = lintChart(UMBRELLA_CHART, withDashboards());
    expect(result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });
});

test("other labels, a folder annotation and Grafana's namespace, when the sidecar is set up that way", () => {
  const configMap = only<IConfigMap>(
    render(
      withDashboards({
        labels: { grafana_dashboard: null, dashboards: 'spillway' },
        annotations: { grafana_folder: 'Spillway' },
        namespace: 'monitoring',
      }),
    ),
    'ConfigMap',
    NAME,
  );
  expect(configMap.metadata?.labels?.['dashboards']).toBe('spillway');
  expect(configMap.metadata?.labels).not.toHaveProperty('grafana_dashboard');
  expect(configMap.metadata?.annotations).toEqual({ grafana_folder: 'Spillway' });
  expect(configMap.metadata?.namespace).toBe('monitoring');
});

test.each([
  {
    name: 'a label value that is a number, which Kubernetes refuses',
    dashboards: { labels: { grafana_dashboard: 1 } },
    message: 'grafana.dashboards.labels.grafana_dashboard: Invalid type',
  },
  { name: 'a misspelt key', dashboards: { label: {} }, message: 'grafana.dashboards: Additional property label' },
  {
    name: 'a namespace that is not a DNS label',
    dashboards: { namespace: 'Monitoring' },
    message: 'grafana.dashboards.namespace: Does not match',
  },
])('rejects $name', ({ dashboards, message }) => {
  expect(renderChartError(UMBRELLA_CHART, withDashboards(dashboards))).toContain(message);
});
