import { z } from 'zod';

// A projector answers from one registry query (plus a bounded backlog count per running build).
const READ_MODEL_TIMEOUT_MS = 2_000;

// What the console reads of a projector's `GET /read-model` (the runtime's ReadModelStatus); other fields pass by.
const Build = z.object({
  label: z.string(),
  group: z.string().optional(),
  version: z.number(),
  purpose: z.string(),
  state: z.string(),
  startedAt: z.string(),
  replayed: z.number(),
  total: z.number().optional(),
  lag: z.number().optional(),
  ratePerSecond: z.number(),
  etaSeconds: z.number().optional(),
  parked: z.number(),
  message: z.string().optional(),
});
const Status = z.object({
  function: z.string(),
  declaredVersion: z.number(),
  serving: z.object({ label: z.string(), version: z.number() }).optional(),
  builds: z.array(Build),
});

/**
 * A read-model build with how far it is. A replica's `GET /read-model` fills every field but `group`,
 * `declared` and `capped`; in a cluster the autoscaler knows a build only by its group (see
 * `ReadModelSummary.measuredFrom`), so what only the read model's registry knows is absent.
 */
export interface BuildView {
  /** The generation's label (`v2`, `v1b`, `v1-verify1`); absent for the declared group, whose name carries none. */
  readonly label?: string;
  /** The subscription group it consumes. */
  readonly group?: string;
  /** It is the declared group (the first version's): listed in a cluster, where which group serves is not known. */
  readonly declared?: boolean;
  readonly version?: number;
  /** `serve` or `verify`. */
  readonly purpose?: string;
  /** The registry's state (`building`, ...): known to the replicas only. */
  readonly state?: string;
  readonly startedAt?: string;
  /** Events applied; in a cluster, the events the group processed since the server started (GetInfo totalItems less those in flight). */
  readonly replayed?: number;
  readonly total?: number;
  /** Events still to apply. */
  readonly lag?: number;
  /** `lag` is a lower bound (the bounded `$all` count stopped at its cap). */
  readonly capped?: boolean;
  readonly ratePerSecond?: number;
  readonly etaSeconds?: number;
  readonly parked?: number;
  readonly message?: string;
  /** Share of the build done (0-1), when the log was counted: applied / (applied + still to apply). */
  readonly progress?: number;
}

/** What `measuredFrom: 'groups'` leaves unknown, by field: the read model's registry, which only its replicas read, holds them. */
export type UnknownField = 'declaredVersion' | 'serving' | 'builds.state' | 'builds.startedAt' | 'builds.total';

/**
 * What the Functions page shows of a projector's read model: one shape for both hosts. `spillway dev`
 * asks a replica (`GET /read-model`) and knows everything; the in-cluster autoscaler does not call pods,
 * so it reports the groups of the read-model family it measures (`measuredFrom: 'groups'`) and lists
 * what that leaves `unknown`.
 */
export interface ReadModelSummary {
  /** Absent: a replica's own status. `groups`: the autoscaler's readings of the family's groups. */
  readonly measuredFrom?: 'groups';
  /** The group the function declares (its first version's); it may be gone after a switch. */
  readonly declaredGroup?: string;
  readonly declaredVersion?: number;
  /** The version readers see now; from groups, known only when the family has one group left. */
  readonly serving?: { readonly label?: string; readonly version?: number; readonly group?: string };
  /** Builds in progress, newest first; from groups, every group of the family when several exist (the declared one flagged). */
  readonly builds: readonly BuildView[];
  readonly unknown?: readonly UnknownField[];
  readonly error?: string;
}

/** Share done of work with `done` events applied and `remaining` to go: 1 when there was nothing to do. */
export function progressOf(done: number, remaining: number): number {
  return done + remaining === 0 ? 1 : done / (done + remaining);
}

/** A replica's `GET /read-model` answer as it came (the full status: serving, builds, generations). */
export async function fetchReadModel(replicaUrl: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${replicaUrl}/read-model`, {
    headers: { connection: 'close' },
    signal: AbortSignal.timeout(READ_MODEL_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`GET /read-model answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

/** The summary of a `GET /read-model` answer; an answer of another shape is reported, not thrown. */
export function summarizeReadModel(raw: unknown): ReadModelSummary {
  const parsed = Status.safeParse(raw);
  if (!parsed.success) return { builds: [], error: 'the read-model status has an unexpected shape' };
  const { declaredVersion, serving, builds } = parsed.data;
  return {
    declaredVersion,
    ...(serving ? { serving: { label: serving.label, version: serving.version } } : {}),
    builds: builds.map((build) => {
      const remaining = build.lag ?? (build.total === undefined ? undefined : Math.max(0, build.total - build.replayed));
      const progress = remaining === undefined ? undefined : progressOf(build.replayed, remaining);
      return { ...build, ...(progress === undefined ? {} : { progress }) };
    }),
  };
}
