import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Manifest, parseManifests } from './manifests';

/** The repository's root; charts, the Dockerfile and skaffold.yaml are found from here. */
export const REPO_ROOT = resolve(__dirname, '../..');

/** The real Helm binary scripts/fetch-tools.sh puts in place (`npm test` runs it first). */
export const HELM = join(REPO_ROOT, '.tools', 'helm');

export const FUNCTION_CHART = join(REPO_ROOT, 'charts', 'spillway-function');
export const UMBRELLA_CHART = join(REPO_ROOT, 'charts', 'spillway');

export interface HelmResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

// Helm's cache, config and data folders live in a scratch folder, so tests neither read
// the developer's repositories nor write to their home.
let scratch: string | undefined;

/** A scratch folder for helm's state, values files and unpacked charts, made on first use. */
export function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'spillway-helm-'));
  return scratch;
}

/** Removes the scratch folder; test files call it in afterAll (Jest's workers end without an exit event). */
export function removeScratchDir(): void {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/** Runs the real helm binary with the given arguments. */
export function helm(args: readonly string[]): HelmResult {
  if (!existsSync(HELM)) throw new Error(`${HELM} is missing: run bash scripts/fetch-tools.sh`);
  const home = scratchDir();
  const result = spawnSync(HELM, args, {
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '',
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
    },
  });
  if (result.error) throw new Error(`running ${HELM}`, { cause: result.error });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Values handed to helm as a file; JSON is YAML, so no serializer is needed. */
export type Values = Readonly<Record<string, unknown>>;

export interface TemplateOptions {
  readonly release?: string;
  readonly namespace?: string;
  /** `--set key=value` pairs, applied after the values file (as skaffold's setValues are). */
  readonly set?: Readonly<Record<string, string>>;
}

function valuesFile(values: Values): string {
  const file = join(mkdtempSync(join(scratchDir(), 'values-')), 'values.yaml');
  writeFileSync(file, JSON.stringify(values));
  return file;
}

function templateArgs(chart: string, values: Values, options: TemplateOptions): string[] {
  const sets = Object.entries(options.set ?? {}).flatMap(([key, value]) => ['--set', `${key}=${value}`]);
  return ['template', options.release ?? 'spillway', chart, '--namespace', options.namespace ?? 'shop', '-f', valuesFile(values), ...sets];
}

/** `helm template` that must succeed; returns the rendered objects. */
export function renderChart(chart: string, values: Values = {}, options: TemplateOptions = {}): Manifest[] {
  const result = helm(templateArgs(chart, values, options));
  if (result.status !== 0) throw new Error(`helm template ${chart} failed:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

/** `helm template` that must fail; returns helm's error output. */
export function renderChartError(chart: string, values: Values, options: TemplateOptions = {}): string {
  const result = helm(templateArgs(chart, values, options));
  if (result.status === 0) throw new Error(`helm template ${chart} succeeded, but it should have failed`);
  return result.stderr;
}

/** `helm lint --strict`, with optional values and flags (e.g. `--with-subcharts`). */
export function lintChart(chart: string, values: Values = {}, flags: readonly string[] = []): HelmResult {
  return helm(['lint', '--strict', chart, '-f', valuesFile(values), ...flags]);
}
