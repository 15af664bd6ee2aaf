import { z } from 'zod';
import { type AllFilter, parseSubscriptionRef, type SubscriptionRef } from './subscription-ref';

/** The annotation prefix the chart writes and the autoscaler reads. */
export const ANNOTATION_PREFIX = 'spillway.dev/';

/** Every annotation key, as written on a Deployment. */
export const ANNOTATIONS = {
  subscription: 'spillway.dev/subscription',
  minReplicas: 'spillway.dev/min-replicas',
  maxReplicas: 'spillway.dev/max-replicas',
  lagPerReplica: 'spillway.dev/lag-per-replica',
  activationLag: 'spillway.dev/activation-lag',
  policy: 'spillway.dev/policy',
  targetDrainSeconds: 'spillway.dev/target-drain-seconds',
  scaleDownStabilizationSeconds: 'spillway.dev/scale-down-stabilization-seconds',
  cooldownSeconds: 'spillway.dev/cooldown-seconds',
  fallbackReplicas: 'spillway.dev/fallback-replicas',
  /** Optional: comma-separated stream-name prefixes of a filtered `$all` subscription (GetInfo does not report the filter). */
  streamPrefixes: 'spillway.dev/stream-prefixes',
  /** Optional: comma-separated event-type prefixes of a filtered `$all` subscription. */
  eventTypePrefixes: 'spillway.dev/event-type-prefixes',
  /** Optional: `keda` when a KEDA ScaledObject applies the replicas and the autoscaler only measures for it. */
  scaledBy: 'spillway.dev/scaled-by',
} as const;

export type PolicyName = 'lag' | 'drain-time';

/** Who applies the replicas: the Spillway autoscaler, or KEDA (fed by the autoscaler's lag endpoints). */
export type ScaledBy = 'spillway' | 'keda';

/** How one workload scales, as declared by its annotations, with defaults filled in. */
export interface ScalingSpec {
  readonly subscription: SubscriptionRef;
  readonly filter?: AllFilter;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly lagPerReplica: number;
  readonly activationLag: number;
  readonly policy: PolicyName;
  readonly targetDrainSeconds: number;
  readonly scaleDownStabilizationSeconds: number;
  readonly cooldownSeconds: number;
  /** Replicas to run after repeated measurement failures; undefined holds the current count. */
  readonly fallbackReplicas?: number;
  /** `keda`: measure and decide (for KEDA, logs and metrics) but never patch. Default `spillway`. */
  readonly scaledBy?: ScaledBy;
}

/** Defaults follow KEDA (minReplicaCount 0, cooldownPeriod 300 s) and the HPA (scale-down stabilization 300 s). */
export const DEFAULTS = {
  minReplicas: 0,
  maxReplicas: 10,
  lagPerReplica: 100,
  activationLag: 0,
  policy: 'lag' as PolicyName,
  targetDrainSeconds: 60,
  /** The HPA's default; the drain-time policy measures rates, so it can afford a shorter window. */
  scaleDownStabilizationSeconds: { lag: 300, 'drain-time': 60 } as Record<PolicyName, number>,
  cooldownSeconds: 300,
};

const count = (min: number) =>
  z
    .string()
    .regex(/^\s*\d+\s*$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(1_000_000));

const prefixes = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  )
  .pipe(z.array(z.string()).min(1, 'must list at least one prefix'));

/**
 * The raw annotations, each optional except the subscription; values are strings as Kubernetes stores them.
 * Strict: a mistyped key (`spillway.dev/max-replica`) would otherwise be dropped and its default used in silence.
 */
export const scalingAnnotationsSchema = z
  .strictObject({
    [ANNOTATIONS.subscription]: z.string().transform((value, ctx) => {
      const ref = parseSubscriptionRef(value);
      if ('error' in ref) {
        ctx.addIssue({ code: 'custom', message: ref.error });
        return z.NEVER;
      }
      return ref;
    }),
    [ANNOTATIONS.minReplicas]: count(0).optional(),
    [ANNOTATIONS.maxReplicas]: count(1).optional(),
    [ANNOTATIONS.lagPerReplica]: count(1).optional(),
    [ANNOTATIONS.activationLag]: count(0).optional(),
    [ANNOTATIONS.policy]: z.enum(['lag', 'drain-time']).optional(),
    [ANNOTATIONS.targetDrainSeconds]: count(1).optional(),
    [ANNOTATIONS.scaleDownStabilizationSeconds]: count(0).optional(),
    [ANNOTATIONS.cooldownSeconds]: count(0).optional(),
    [ANNOTATIONS.fallbackReplicas]: count(0).optional(),
    [ANNOTATIONS.streamPrefixes]: prefixes.optional(),
    [ANNOTATIONS.eventTypePrefixes]: prefixes.optional(),
    [ANNOTATIONS.scaledBy]: z.enum(['spillway', 'keda']).optional(),
  })
  .superRefine((value, ctx) => {
    const min = value[ANNOTATIONS.minReplicas] ?? DEFAULTS.minReplicas;
    const max = value[ANNOTATIONS.maxReplicas] ?? DEFAULTS.maxReplicas;
    if (min > max) ctx.addIssue({ code: 'custom', path: [ANNOTATIONS.minReplicas], message: `min-replicas ${min} > max-replicas ${max}` });
    const fallback = value[ANNOTATIONS.fallbackReplicas];
    if (fallback !== undefined && fallback > max) {
      ctx.addIssue({
        code: 'custom',
        path: [ANNOTATIONS.fallbackReplicas],
        message: `fallback-replicas ${fallback} > max-replicas ${max}`,
      });
    }
    const filtered = value[ANNOTATIONS.streamPrefixes] !== undefined || value[ANNOTATIONS.eventTypePrefixes] !== undefined;
    if (filtered && value[ANNOTATIONS.subscription].kind !== 'all') {
      ctx.addIssue({ code: 'custom', path: [ANNOTATIONS.streamPrefixes], message: 'prefix filters apply to $all subscriptions only' });
    }
  });

const KNOWN_KEYS = Object.values(ANNOTATIONS)
  .map((key) => key.slice(ANNOTATION_PREFIX.length))
  .join(', ');

/** One wrong annotation: which key, and what is wrong with it. */
export interface AnnotationProblem {
  readonly key: string;
  readonly message: string;
}

export type ParsedAnnotations =
  | { readonly kind: 'unmanaged' }
  | { readonly kind: 'invalid'; readonly problems: readonly AnnotationProblem[] }
  | { readonly kind: 'valid'; readonly spec: ScalingSpec };

/**
 * Reads a workload's `spillway.dev/*` annotations. A workload without `spillway.dev/subscription`
 * is not ours (`unmanaged`); a wrong value makes the whole workload `invalid`, naming each key.
 */
export function parseScalingAnnotations(annotations: Readonly<Record<string, string>> | undefined): ParsedAnnotations {
  const ours: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations ?? {})) if (key.startsWith(ANNOTATION_PREFIX)) ours[key] = value;
  if (ours[ANNOTATIONS.subscription] === undefined) return { kind: 'unmanaged' };
  const parsed = scalingAnnotationsSchema.safeParse(ours);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue): AnnotationProblem[] =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ key, message: `unknown annotation (known: ${KNOWN_KEYS})` }))
        : [{ key: String(issue.path[0] ?? ANNOTATIONS.subscription), message: issue.message }],
    );
    return { kind: 'invalid', problems };
  }
  const a = parsed.data;
  const policy = a[ANNOTATIONS.policy] ?? DEFAULTS.policy;
  const streamNamePrefixes = a[ANNOTATIONS.streamPrefixes];
  const eventTypePrefixes = a[ANNOTATIONS.eventTypePrefixes];
  const spec: ScalingSpec = {
    subscription: a[ANNOTATIONS.subscription],
    ...(streamNamePrefixes || eventTypePrefixes
      ? { filter: { ...(streamNamePrefixes ? { streamNamePrefixes } : {}), ...(eventTypePrefixes ? { eventTypePrefixes } : {}) } }
      : {}),
    minReplicas: a[ANNOTATIONS.minReplicas] ?? DEFAULTS.minReplicas,
    maxReplicas: a[ANNOTATIONS.maxReplicas] ?? DEFAULTS.maxReplicas,
    lagPerReplica: a[ANNOTATIONS.lagPerReplica] ?? DEFAULTS.lagPerReplica,
    activationLag: a[ANNOTATIONS.activationLag] ?? DEFAULTS.activationLag,
    policy,
    targetDrainSeconds: a[ANNOTATIONS.targetDrainSeconds] ?? DEFAULTS.targetDrainSeconds,
    scaleDownStabilizationSeconds: a[ANNOTATIONS.scaleDownStabilizationSeconds] ?? DEFAULTS.scaleDownStabilizationSeconds[policy],
    cooldownSeconds: a[ANNOTATIONS.cooldownSeconds] ?? DEFAULTS.cooldownSeconds,
    ...(a[ANNOTATIONS.fallbackReplicas] !== undefined ? { fallbackReplicas: a[ANNOTATIONS.fallbackReplicas] } : {}),
    ...(a[ANNOTATIONS.scaledBy] === 'keda' ? { scaledBy: 'keda' as const } : {}),
  };
  return { kind: 'valid', spec };
}

/** A full spec from the fields given, defaults for the rest: for local mode, where there are no annotations. */
export function scalingSpec(input: Partial<ScalingSpec> & Pick<ScalingSpec, 'subscription'>): ScalingSpec {
  const policy = input.policy ?? DEFAULTS.policy;
  return {
    minReplicas: DEFAULTS.minReplicas,
    maxReplicas: DEFAULTS.maxReplicas,
    lagPerReplica: DEFAULTS.lagPerReplica,
    activationLag: DEFAULTS.activationLag,
    targetDrainSeconds: DEFAULTS.targetDrainSeconds,
    scaleDownStabilizationSeconds: DEFAULTS.scaleDownStabilizationSeconds[policy],
    cooldownSeconds: DEFAULTS.cooldownSeconds,
    ...input,
    policy,
  };
}
