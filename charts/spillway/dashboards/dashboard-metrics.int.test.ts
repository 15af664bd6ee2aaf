import {
  AutoscalerMetrics,
  ControlledLagSource,
  type HttpApi,
  RecordingScaleTarget,
  Scaler,
  scalingSpec,
  startHttpApi,
} from '@spillway/autoscaler';
import { defineFunction, type Harness, PermanentError, startHarness } from '@spillway/runtime';
import pino from 'pino';
import { z } from 'zod';
import { removeScratchDir, renderChart, UMBRELLA_CHART } from '../../test-kit/helm';
import { type Manifest, only } from '../../test-kit/manifests';
import { dashboardProblems, dashboardQueries, loadDashboard } from './dashboard';
import { type Exported, mergeExposition, parseExposition } from './exposition';
import { parseQuery } from './promql';

// The dashboard is checked against what the real processes serve on /metrics: a function in the
// runtime (through the harness and its in-memory emulator) that has acked, retried, parked an event
// and answered HTTP, and the autoscaler's HTTP API after a tick that scaled one workload and failed
// to measure another. Series that exist only after such work (counters with labels, histograms)
// are then present, so a dashboard query that finds nothing here would find nothing in production.

// The runtime retries in-process (the server's retryCount stays 0), so the handler counts its own attempts.
let flakyAttempts = 0;

const probe = defineFunction({
  name: 'dashboard-probe',
  subscription: {
    source: { stream: 'probe' },
    group: 'dashboard-probe',
    events: { Ok: z.object({}), Flaky: z.object({}), Poison: z.object({}) },
    async handle(event, ctx) {
      // One append, so the store-hop histogram has series.
      if (event.type === 'Ok') await ctx.eventStore.append('probe-out', [{ type: 'Noted', data: {} }], { expectedRevision: 'no_stream' });
      if (event.type === 'Flaky' && flakyAttempts++ === 0) throw new Error('fails on its first attempt');
      if (event.type === 'Poison') throw new PermanentError('never handled');
    },
  },
  routes: [{ method: 'GET', path: '/probe', handle: async () => ({ status: 200, body: { ok: true } }) }],
});

const counter = (exposition: string, name: string) =>
  exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);

async function scrapeFunction(): Promise<string> {
  const h: Harness = await startHarness(probe, { logLevel: 'silent' });
  try {
    await h.append('probe', [
      { type: 'Ok', data: {} },
      { type: 'Flaky', data: {} },
      { type: 'Poison', data: {} },
    ]);
    expect((await fetch(`${h.url}/probe`)).status).toBe(200);
    return await h.eventually(async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      const done =
        counter(text, 'spillway_event_retries_total') >= 1 &&
        counter(text, 'spillway_events_parked_total') >= 1 &&
        counter(text, 'spillway_events_processed_total') >= 3 &&
        counter(text, 'spillway_eventstore_append_duration_seconds_count') >= 1;
      return done ? text : undefined;
    });
  } finally {
    await h.close();
  }
}

async function scrapeAutoscaler(): Promise<string> {
  const log = pino({ level: 'silent' });
  const metrics = new AutoscalerMetrics();
  const sources = new Map<string, ControlledLagSource>();
  const scaler = new Scaler({
    log,
    metrics,
    lagSource: (spec) => {
      const source = new ControlledLagSource(spec.subscription.group, 250);
      sources.set(spec.subscription.group, source);
      return source;
    },
  });
  for (const group of ['busy', 'unreachable']) {
    scaler.upsert({
      namespace: 'shop',
      name: `spillway-${group}`,
      spec: scalingSpec({ subscription: { kind: 'all', group }, lagPerReplica: 100 }),
      target: new RecordingScaleTarget(1),
    });
  }
  sources.get('busy')?.set(250, { parked: 3 });
  sources.get('unreachable')?.fail(new Error('EventStoreDB is not answering'));
  let api: HttpApi | undefined;
  try {
    await scaler.tick();
    api = await startHttpApi({ scaler, metrics, log, defaultNamespace: 'shop', host: '127.0.0.1', port: 0 });
    return await (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text();
  } finally {
    await api?.close();
    await scaler.stop();
  }
}

const dashboard = loadDashboard('spillway.json');
let exported: Exported;

beforeAll(async () => {
  const [fn, autoscaler] = await Promise.all([scrapeFunction(), scrapeAutoscaler()]);
  exported = mergeExposition(parseExposition(fn), parseExposition(autoscaler));
}, 30_000);

test('the scrapes hold what the work produced (so a missing series below is the dashboard, not the setup)', () => {
  for (const series of [
    'spillway_handler_duration_seconds_bucket',
    'spillway_http_request_duration_seconds_bucket',
    'spillway_autoscaler_scaling_decisions_total',
    'spillway_autoscaler_measurement_failures_total',
  ])
    expect(exported.has(series)).toBe(true);
  expect(exported.get('spillway_events_processed_total')).toEqual(new Set(['fn', 'group', 'outcome', 'type']));
});

test('every query of every panel and variable names series, labels and variables that exist', () => {
  expect(dashboardProblems(dashboard, exported)).toEqual([]);
});

test('every Spillway series is on the dashboard (a new metric needs a panel)', () => {
  const used = new Set(dashboardQueries(dashboard).flatMap((query) => parseQuery(query.expr).metrics));
  // A histogram is shown through its buckets; _sum and _count add nothing a quantile panel lacks.
  const wanted = [...exported.keys()].filter((name) => name.startsWith('spillway_') && !/_(sum|count)$/.test(name));
  expect(wanted.filter((name) => !used.has(name))).toEqual([]);
});

describe('the PrometheusRule alerts ask for series the real processes export', () => {
  afterAll(removeScratchDir);
  // Labels Prometheus adds to every scraped series (target labels), which no /metrics carries.
  const TARGET_LABELS = new Set(['namespace', 'pod', 'instance', 'job', 'service', 'container', 'endpoint']);
  const rule = only<Manifest & { spec: { groups: { rules: { alert: string; expr: string }[] }[] } }>(
    renderChart(UMBRELLA_CHART, { metrics: { prometheusRule: { enabled: true } } }),
    'PrometheusRule',
  );
  const alerts = rule.spec.groups.flatMap((g) => g.rules);

  test('there are alerts to check', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(8);
  });

  test.each(alerts.map((a) => [a.alert, a.expr]))(
    '%s: every metric exists and every label is on it (or a target label)',
    (_alert, expr) => {
      const parts = parseQuery(expr);
      expect(parts.metrics.length).toBeGreaterThan(0);
      expect(parts.metrics.filter((metric) => !exported.has(metric))).toEqual([]);
      const carried = new Set(parts.metrics.flatMap((metric) => [...(exported.get(metric) ?? [])]));
      expect(parts.labels.filter((label) => !carried.has(label) && !TARGET_LABELS.has(label))).toEqual([]);
    },
  );
});
