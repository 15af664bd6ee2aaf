import { type BuildView, progressOf, type ReadModelSummary, type UnknownField } from '@spillway/console';
import type { GroupReading, LagMeasurement } from '../lag/lag-source';
import { isFamilyMember } from '../lag/read-model-family';

/**
 * A group's rate is taken over this much of the loop's history: one tick's delta follows a consumer's
 * ack batches, half a minute is steady enough for an ETA and still recent.
 */
export const RATE_WINDOW_MS = 30_000;

// What only the read model's registry (read by its replicas) holds; the autoscaler does not call pods.
const UNKNOWN: readonly UnknownField[] = ['declaredVersion', 'builds.state', 'builds.startedAt', 'builds.total'];

/** What a group's name says of its generation (the runtime names build groups `<declared>-<label>`). */
export interface GenerationName {
  readonly label: string;
  readonly version: number;
  readonly purpose: 'serve' | 'verify';
}

/**
 * `G-v2` is v2, `G-v1b` a rebuild of v1, `G-v1-verify1` a verify build of v1. The declared group `G`
 * names no label: the first version keeps it, whatever its version was.
 */
export function generationOf(declaredGroup: string, group: string): GenerationName | undefined {
  if (!isFamilyMember(declaredGroup, group)) return undefined;
  const label = group.slice(declaredGroup.length + 1);
  return { label, version: Number.parseInt(label.slice(1), 10), purpose: /-verify\d+$/.test(label) ? 'verify' : 'serve' };
}

/**
 * Events the group has processed: GetInfo's `totalItems` counts every delivery, so what is delivered and
 * not yet acknowledged (in flight, or waiting for a retry) is taken off. Undefined when the server did not say.
 */
export function processedOf(m: LagMeasurement): number | undefined {
  return m.processedTotal === undefined ? undefined : Math.max(0, m.processedTotal - m.inFlight - m.retryBuffer);
}

interface Reading {
  readonly at: number;
  readonly processed: number;
}

/**
 * Events per second from readings of a processed count (oldest first): from the oldest reading within
 * RATE_WINDOW_MS of the newest, or the one before the newest when nobody looked for longer (an
 * average over the gap is still a rate). Undefined from a single reading.
 */
export function rateOf(readings: readonly Reading[]): number | undefined {
  const newest = readings.at(-1);
  if (!newest || readings.length < 2) return undefined;
  const from = readings.find((r) => newest.at - r.at <= RATE_WINDOW_MS && r.at < newest.at) ?? readings.at(-2)!;
  if (newest.at <= from.at) return undefined;
  return ((newest.processed - from.processed) * 1000) / (newest.at - from.at);
}

/** ETA = lag / rate; nothing left is done now, a build that does not move has none. */
export function etaOf(lag: number, ratePerSecond: number | undefined): number | undefined {
  if (lag === 0) return 0;
  return ratePerSecond !== undefined && ratePerSecond > 0 ? lag / ratePerSecond : undefined;
}

/**
 * Each group's processed count across the loop's ticks, for its rate. The console asks whenever it
 * samples or is asked; a tick is recorded once however often it is seen.
 */
export class GroupRates {
  private readonly readings = new Map<string, Reading[]>();

  /** Records a tick's readings (a tick already recorded is ignored) and forgets groups it no longer has. */
  record(at: number, groups: readonly GroupReading[]): void {
    for (const group of this.readings.keys()) if (!groups.some((g) => g.group === group)) this.readings.delete(group);
    for (const { group, measurement } of groups) {
      const processed = processedOf(measurement);
      if (processed === undefined) continue;
      const readings = this.readings.get(group) ?? [];
      const last = readings.at(-1);
      if (last && at <= last.at) continue;
      // The count restarts with the server: what came before says nothing about the rate since.
      if (last && processed < last.processed) readings.length = 0;
      readings.push({ at, processed });
      // Keep the window, and always the reading before the newest.
      while (readings.length > 2 && at - readings[1]!.at > RATE_WINDOW_MS) readings.shift();
      this.readings.set(group, readings);
    }
  }

  rate(group: string): number | undefined {
    return rateOf(this.readings.get(group) ?? []);
  }
}

function buildOf(declaredGroup: string, { group, measurement: m }: GroupReading, ratePerSecond: number | undefined): BuildView {
  const generation = generationOf(declaredGroup, group);
  const replayed = processedOf(m);
  const eta = etaOf(m.lag, ratePerSecond);
  return {
    ...(generation ? { label: generation.label, version: generation.version, purpose: generation.purpose } : {}),
    group,
    ...(group === declaredGroup ? { declared: true } : {}),
    ...(replayed !== undefined ? { replayed, progress: progressOf(replayed, m.lag) } : {}),
    lag: m.lag,
    ...(m.capped ? { capped: true } : {}),
    ...(ratePerSecond !== undefined ? { ratePerSecond } : {}),
    ...(eta !== undefined ? { etaSeconds: eta } : {}),
    parked: m.parked,
  };
}

/** The declared group first, then the builds in label order (`v2` < `v2b` < `v10`). */
const byGeneration = (a: BuildView, b: BuildView) =>
  a.declared ? -1 : b.declared ? 1 : (a.label ?? '').localeCompare(b.label ?? '', 'en', { numeric: true });

/**
 * A read model as the autoscaler sees it: the groups of its family on the last tick. Undefined when
 * no build group exists (a lone declared group is any function's group). One group left is the one
 * serving (a switch deletes the old group); with several, which one serves is not known here, so
 * every group is listed with its figures.
 */
export function readModelFromGroups(
  declaredGroup: string,
  groups: readonly GroupReading[],
  rate: (group: string) => number | undefined,
): ReadModelSummary | undefined {
  if (!groups.some((g) => isFamilyMember(declaredGroup, g.group))) return undefined;
  const builds = groups.map((g) => buildOf(declaredGroup, g, rate(g.group))).sort(byGeneration);
  const base = { measuredFrom: 'groups' as const, declaredGroup };
  if (builds.length === 1) {
    // The lone group is a build group (a lone declared group returned above): its name says its label.
    const { label, version, group } = builds[0]!;
    return { ...base, serving: { label, version, group }, builds: [], unknown: UNKNOWN };
  }
  return { ...base, builds, unknown: ['serving', ...UNKNOWN] };
}
