import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Exported } from './exposition';
import { legendLabels, parseQuery } from './promql';

/** The parts of Grafana's dashboard JSON model these checks read. */
export interface Datasource {
  readonly type?: string;
  readonly uid?: string;
}

export interface Target {
  readonly refId?: string;
  readonly expr?: string;
  readonly legendFormat?: string;
  readonly datasource?: Datasource;
}

export interface Panel {
  readonly id?: number;
  readonly type?: string;
  readonly title?: string;
  readonly datasource?: Datasource;
  readonly gridPos?: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}

export interface Variable {
  readonly name?: string;
  readonly type?: string;
  readonly query?: string | { readonly query?: string };
  readonly datasource?: Datasource;
}

export interface Dashboard {
  readonly uid?: string;
  readonly title?: string;
  readonly schemaVersion?: number;
  readonly panels?: readonly Panel[];
  readonly templating?: { readonly list?: readonly Variable[] };
}

/** The dashboards the chart ships, by file name. */
export const DASHBOARDS_DIR = __dirname;

export function loadDashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as Dashboard;
}

/** One PromQL query of a dashboard: a panel target or a query variable. */
export interface Query {
  /** Where it is, for messages: `panel "Lag" A` or `variable fn`. */
  readonly where: string;
  readonly expr: string;
  readonly legendFormat?: string;
}

/** Every panel, rows' nested panels included (a collapsed row keeps its panels inside it). */
export function allPanels(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export function dashboardQueries(dashboard: Dashboard): Query[] {
  const targets = allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `panel "${panel.title}" ${target.refId}`,
      expr: target.expr ?? '',
      legendFormat: target.legendFormat,
    })),
  );
  const variables = (dashboard.templating?.list ?? [])
    .filter((variable) => variable.type === 'query')
    .map((variable) => ({
      where: `variable ${variable.name}`,
      expr: typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? ''),
    }));
  return [...targets, ...variables];
}

/**
 * What in a dashboard's queries the scraped metrics cannot answer: a series name nobody exports,
 * a label those series do not carry, a legend label the aggregation drops, an undefined variable.
 * Empty means every query can find data.
 */
export function dashboardProblems(dashboard: Dashboard, exported: Exported): string[] {
  const defined = new Set((dashboard.templating?.list ?? []).map((variable) => variable.name));
  const problems: string[] = [];
  for (const query of dashboardQueries(dashboard)) {
    const say = (problem: string) => problems.push(`${query.where}: ${problem}`);
    let parts: ReturnType<typeof parseQuery>;
    try {
      parts = parseQuery(query.expr);
    } catch (err) {
      say((err as Error).message);
      continue;
    }
    if (parts.metrics.length === 0) say(`names no metric: ${query.expr}`);
    const carried = new Set<string>();
    for (const metric of parts.metrics) {
      const labels = exported.get(metric);
      if (!labels) say(`no series ${metric} is exported`);
      for (const label of labels ?? []) carried.add(label);
    }
    for (const label of parts.labels) if (!carried.has(label)) say(`label ${label} is on none of ${parts.metrics.join(', ')}`);
    const shown = parts.grouping.length > 0 ? new Set(parts.grouping) : carried;
    for (const label of legendLabels(query.legendFormat))
      if (!shown.has(label)) say(`the legend shows ${label}, which the result does not have`);
    for (const variable of parts.variables) {
      if (!variable.startsWith('__') && !defined.has(variable)) say(`variable $${variable} is not defined`);
    }
  }
  return problems;
}
