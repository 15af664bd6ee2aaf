import { z } from 'zod';

// A projector answers from one registry query (plus a bounded backlog count per running build).
const READ_MODEL_TIMEOUT_MS = 2_000;

// What the console reads of a projector's `GET /read-model` (the runtime's ReadModelStatus); other fields pass by.
const Build = z.object({
  label: z.string(),
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

/** A read-model build in progress (a new version, a rebuild, or a verify build), with how far it is. */
export interface BuildView extends z.output<typeof Build> {
  /** Share of the build done (0-1), when the log was counted: applied / (applied + still to apply). */
  readonly progress?: number;
}

/** What the Functions page shows of a projector's read model. */
export interface ReadModelSummary {
  readonly declaredVersion?: number;
  /** The version readers see now. */
  readonly serving?: { readonly label: string; readonly version: number };
  /** Builds in progress, newest first. */
  readonly builds: readonly BuildView[];
  readonly error?: string;
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
      const progress =
        remaining === undefined ? undefined : build.replayed + remaining === 0 ? 1 : build.replayed / (build.replayed + remaining);
      return { ...build, ...(progress === undefined ? {} : { progress }) };
    }),
  };
}
