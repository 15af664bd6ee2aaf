import { wholeNumber } from '../flag-values';
import { UsageError } from '../usage-error';

// One replica is always up, so the walk-through answers at once: no cold start from zero in dev.
const DEV_MIN_REPLICAS = 1;
// Two or three cores on a laptop or CI machine: a fourth replica would mostly compete with the emulator.
export const DEV_MAX_REPLICAS = 3;

/**
 * The default ceiling on a machine with `cores` cores: one replica per core beyond the first, at
 * least 1, at most DEV_MAX_REPLICAS. Everything runs on the same cores, the emulator and the other
 * functions included; on 2 cores a second and third stock-reservation replica starved them and
 * conflicted with each other: the shop settled 45-63 orders/s scaled against 83-92 at one replica.
 */
export function devMaxReplicas(cores: number): number {
  return Math.max(1, Math.min(DEV_MAX_REPLICAS, cores - 1));
}
// Small, so a burst like `spillway load --orders 500` shows scaling; production's default is 100.
export const DEV_LAG_PER_REPLICA = 20;
// Short, so a burst's replicas go away while one still watches; production's default is 300 s.
export const DEV_SCALE_DOWN_SECONDS = 30;
// Pinned keeps each stream's events in order on one replica, so a read model can use more than one;
// a projection does little work per event, so two are plenty on a laptop.
const READ_MODEL_MAX_ON_POSTGRES = 2;
const MAX_REPLICAS_FLAG_LIMIT = 16;
const SCALE_DOWN_FLAG_LIMIT_SECONDS = 3_600;

/** How one function scales in dev (the lag policy's knobs), and why, for the banner. */
export interface DevScaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly lagPerReplica: number;
  readonly scaleDownStabilizationSeconds: number;
  readonly note: string;
}

/** What `spillway dev`'s flags and the machine allow every scaled function; each definition may narrow it. */
export interface ScalingPlan {
  readonly maxReplicas: number;
  /** Said in the banner when the cores, not the flag, set the ceiling. */
  readonly coreNote: string;
  readonly scaleDownStabilizationSeconds: number;
  readonly readModel: 'pglite' | 'postgres';
}

/** What a function's definition says about how far it can scale. */
export interface ScalingTraits {
  /** It declares a read model: on PGlite one process owns the folder. */
  readonly readModel: boolean;
  /** Its subscription's maxSubscriberCount (0 or absent: no limit): replicas past it could not subscribe. */
  readonly maxSubscriberCount?: number;
}

function intFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = wholeNumber(value);
  if (n === undefined || n < min || n > max)
    throw new UsageError(`dev: --${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

/** The scaling `spillway dev`'s flags ask for on a machine with `cores` cores, before any definition narrows it. */
export function scalingPlan(
  flags: { maxReplicas?: string; scaleDownSeconds?: string },
  readModel: 'pglite' | 'postgres',
  cores = DEV_MAX_REPLICAS + 1,
): ScalingPlan {
  const max = intFlag('max-replicas', flags.maxReplicas, devMaxReplicas(cores), DEV_MIN_REPLICAS, MAX_REPLICAS_FLAG_LIMIT);
  const coreBound = flags.maxReplicas === undefined && max < DEV_MAX_REPLICAS;
  const window = intFlag('scale-down-seconds', flags.scaleDownSeconds, DEV_SCALE_DOWN_SECONDS, 0, SCALE_DOWN_FLAG_LIMIT_SECONDS);
  return {
    maxReplicas: max,
    coreNote: coreBound ? ` (${cores} cores; --max-replicas raises it)` : '',
    scaleDownStabilizationSeconds: window,
    readModel,
  };
}

/**
 * How one subscription-driven function scales in dev: by lag from 1 up to the plan's ceiling. A function
 * with a read model stays at one replica on PGlite (a second process would corrupt the folder) and at
 * most READ_MODEL_MAX_ON_POSTGRES on PostgreSQL; a subscription that caps its consumers caps the replicas.
 */
export function devScaling(plan: ScalingPlan, traits: ScalingTraits): DevScaling {
  const common = {
    minReplicas: DEV_MIN_REPLICAS,
    lagPerReplica: DEV_LAG_PER_REPLICA,
    scaleDownStabilizationSeconds: plan.scaleDownStabilizationSeconds,
  };
  let maxReplicas = plan.maxReplicas;
  let note = plan.coreNote;
  if (traits.readModel) {
    maxReplicas = plan.readModel === 'pglite' ? 1 : Math.min(maxReplicas, READ_MODEL_MAX_ON_POSTGRES);
    note = plan.readModel === 'pglite' ? ' (PGlite: one process owns its folder)' : '';
  }
  const cap = traits.maxSubscriberCount ?? 0;
  if (cap > 0 && cap < maxReplicas) {
    maxReplicas = cap;
    note = ` (its subscription allows ${cap} consumer${cap === 1 ? '' : 's'})`;
  }
  return { ...common, maxReplicas, note };
}

/** One banner line per scaled function: its range and what moves it. */
export function describeScaling(name: string, scaling: DevScaling, current: number): string {
  const label = `  ${name.padEnd(18)} ${current} running`;
  if (scaling.minReplicas === scaling.maxReplicas) return `${label}, fixed at ${scaling.maxReplicas}${scaling.note}`;
  const rule = `${scaling.lagPerReplica} events of lag per replica, down after a ${scaling.scaleDownStabilizationSeconds} s window`;
  return `${label}, ${scaling.minReplicas}-${scaling.maxReplicas} by lag: ${rule}${scaling.note}`;
}
