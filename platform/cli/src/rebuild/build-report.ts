import type { BuildProgress } from '@spillway/runtime';

/** A build as `GET /read-model` reports it: the runtime's BuildProgress is already plain JSON. */
export type BuildView = BuildProgress;

/** A generation row of `GET /read-model`. */
export interface GenerationView {
  readonly label: string;
  readonly version: number;
  readonly purpose: 'serve' | 'verify';
  readonly state: string;
  readonly group: string;
  readonly replayed: number;
  readonly startedAt: string;
  readonly switchedAt?: string;
  readonly dropAfter?: string;
  readonly message?: string;
  readonly result?: unknown;
}

export interface StatusView {
  readonly function: string;
  readonly declaredVersion: number;
  readonly serving?: { readonly label: string; readonly version: number; readonly group: string };
  readonly builds: readonly BuildView[];
  readonly generations: readonly GenerationView[];
}

const BAR_WIDTH = 30;
const count = (n: number) => n.toLocaleString('en-US');

/** How far the build is, 0..1: replayed of the events counted at its start, or of replayed plus what is left. */
export function fraction(build: BuildView): number | undefined {
  const whole =
    build.total !== undefined && build.total > 0 ? build.total : build.lag === undefined ? undefined : build.replayed + build.lag;
  if (whole === undefined || whole === 0) return build.lag === 0 ? 1 : undefined;
  return Math.min(1, build.replayed / whole);
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line of progress: replayed, lag, rate, ETA; with `bar`, a progress bar in front (for a terminal). */
export function progressLine(build: BuildView, bar: boolean): string {
  const done = fraction(build);
  const parts = [build.label];
  if (bar) {
    const filled = Math.round((done ?? 0) * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`);
  }
  if (done !== undefined) parts.push(`${Math.floor(done * 100)}%`);
  parts.push(`replayed ${count(build.replayed)}${build.total === undefined ? '' : ` / ${count(build.total)}`}`);
  if (build.lag !== undefined) parts.push(`lag ${count(build.lag)}`);
  parts.push(`${count(build.ratePerSecond)} events/s`);
  if (build.etaSeconds !== undefined) parts.push(`ETA ${duration(build.etaSeconds)}`);
  if (build.parked > 0) parts.push(`parked ${count(build.parked)}`);
  return parts.join('  ');
}

/** The closing lines once a build has ended: switched in, verified, or abandoned. */
export function summary(generation: GenerationView, status: StatusView, elapsedSeconds: number): { lines: string[]; ok: boolean } {
  const rate = elapsedSeconds > 0 ? Math.round(generation.replayed / elapsedSeconds) : 0;
  const took = `${count(generation.replayed)} events in ${duration(elapsedSeconds)} (${count(rate)} events/s)`;
  if (generation.state === 'live' || (generation.purpose === 'serve' && generation.switchedAt !== undefined)) {
    const retired = status.generations.filter((g) => g.state === 'retired');
    const drop = retired.map((g) => `${g.label} retired${g.dropAfter ? `, its tables dropped after ${g.dropAfter}` : ''}`);
    return { lines: [`${generation.label} is live: replayed ${took}.`, ...drop], ok: true };
  }
  if (generation.purpose === 'verify' && (generation.state === 'verified' || generation.state === 'dropped') && generation.result) {
    const result = generation.result as { differences?: { table: string; onlyInLive: number; onlyInRebuild: number; samples: unknown }[] };
    const differences = result.differences ?? [];
    const lines = [`${generation.label}: ${generation.message ?? 'verified'} (replayed ${took}).`];
    for (const d of differences) {
      lines.push(`  ${d.table}: ${d.onlyInLive} row(s) only in live, ${d.onlyInRebuild} only in the rebuild`);
      lines.push(`    ${JSON.stringify(d.samples)}`);
    }
    return { lines, ok: differences.length === 0 && !('error' in (generation.result as object)) };
  }
  return {
    lines: [
      `${generation.label} ended ${generation.state}${generation.message ? `: ${generation.message}` : ''}; ${status.serving?.label ?? 'nothing'} serves.`,
    ],
    ok: false,
  };
}
