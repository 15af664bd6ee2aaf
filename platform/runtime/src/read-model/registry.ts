import type { SqlExecutor } from './sql-database';

/**
 * Where a generation is in its life: `building` beside the live one, `live` (serving reads, exactly one
 * per function), `retired` (readers moved on; dropped after the grace period), `aborted` / `verified`
 * (dropped at once), `dropped` (schema and group gone; the row stays as history).
 */
export type GenerationState = 'building' | 'live' | 'retired' | 'aborted' | 'verified' | 'dropped';

/** `serve` builds a version readers switch to; `verify` builds a scratch copy compared with the live one and dropped. */
export type GenerationPurpose = 'serve' | 'verify';

/** One build of one read-model version: its own schema and its own subscription group. */
export interface Generation {
  readonly fn: string;
  /** `v3`, `v3b` (a rebuild of v3), `v3-verify1`. */
  readonly label: string;
  readonly version: number;
  readonly purpose: GenerationPurpose;
  readonly state: GenerationState;
  readonly schema: string;
  readonly group: string;
  /** Commit position of the last matching `$all` event when the build began: it must get past it before a switch. */
  readonly targetCommit?: bigint;
  /** Matching events up to the target (counted after the build began; undefined until then). */
  readonly targetEvents?: number;
  readonly acceptParked: boolean;
  /** Events the build's handlers have applied (redeliveries included). */
  readonly replayed: number;
  /** Why a caught-up build has not switched, or the verify result. */
  readonly message?: string;
  readonly result?: unknown;
  readonly startedAt: string;
  readonly switchedAt?: string;
  readonly dropAfter?: string;
  readonly droppedAt?: string;
}

export const REGISTRY_TABLE = 'spillway.read_model_generations';

// Any constant works; every replica of every function takes it around registry decisions.
export const REGISTRY_LOCK_KEY = 7_461_017;

export const REGISTRY_DDL = [
  'CREATE SCHEMA IF NOT EXISTS spillway',
  `CREATE TABLE IF NOT EXISTS ${REGISTRY_TABLE} (
    fn text NOT NULL,
    label text NOT NULL,
    version integer NOT NULL,
    purpose text NOT NULL CHECK (purpose IN ('serve', 'verify')),
    state text NOT NULL CHECK (state IN ('building', 'live', 'retired', 'aborted', 'verified', 'dropped')),
    schema_name text NOT NULL,
    group_name text NOT NULL,
    target_commit numeric(20, 0),
    target_events bigint,
    accept_parked boolean NOT NULL DEFAULT false,
    replayed bigint NOT NULL DEFAULT 0,
    message text,
    result jsonb,
    started_at timestamptz NOT NULL DEFAULT now(),
    switched_at timestamptz,
    drop_after timestamptz,
    dropped_at timestamptz,
    PRIMARY KEY (fn, label)
  )`,
  // The switch moves this row: at most one live generation per function, enforced by the database.
  `CREATE UNIQUE INDEX IF NOT EXISTS read_model_one_live ON ${REGISTRY_TABLE} (fn) WHERE state = 'live'`,
];

interface GenerationRow {
  fn: string;
  label: string;
  version: number | string;
  purpose: GenerationPurpose;
  state: GenerationState;
  schema_name: string;
  group_name: string;
  target_commit: string | number | null;
  target_events: string | number | null;
  accept_parked: boolean;
  replayed: string | number;
  message: string | null;
  result: unknown;
  started_at: Date | string;
  switched_at: Date | string | null;
  drop_after: Date | string | null;
  dropped_at: Date | string | null;
}

const iso = (value: Date | string | null) => (value === null ? undefined : new Date(value).toISOString());

function toGeneration(row: GenerationRow): Generation {
  return {
    fn: row.fn,
    label: row.label,
    version: Number(row.version),
    purpose: row.purpose,
    state: row.state,
    schema: row.schema_name,
    group: row.group_name,
    ...(row.target_commit === null ? {} : { targetCommit: BigInt(row.target_commit) }),
    ...(row.target_events === null ? {} : { targetEvents: Number(row.target_events) }),
    acceptParked: row.accept_parked,
    replayed: Number(row.replayed),
    ...(row.message === null ? {} : { message: row.message }),
    ...(row.result === null || row.result === undefined
      ? {}
      : { result: typeof row.result === 'string' ? JSON.parse(row.result) : row.result }),
    startedAt: iso(row.started_at) as string,
    ...(row.switched_at === null ? {} : { switchedAt: iso(row.switched_at) }),
    ...(row.drop_after === null ? {} : { dropAfter: iso(row.drop_after) }),
    ...(row.dropped_at === null ? {} : { droppedAt: iso(row.dropped_at) }),
  };
}

/** Every generation of `fn`, oldest first. */
export async function listGenerations(db: SqlExecutor, fn: string): Promise<Generation[]> {
  const { rows } = await db.query<GenerationRow>(`SELECT * FROM ${REGISTRY_TABLE} WHERE fn = $1 ORDER BY started_at, label`, [fn]);
  return rows.map(toGeneration);
}

export interface NewGeneration {
  readonly fn: string;
  readonly label: string;
  readonly version: number;
  readonly purpose: GenerationPurpose;
  readonly state: 'building' | 'live';
  readonly schema: string;
  readonly group: string;
  readonly targetCommit?: bigint;
  readonly acceptParked?: boolean;
}

export async function insertGeneration(db: SqlExecutor, g: NewGeneration): Promise<void> {
  await db.query(
    `INSERT INTO ${REGISTRY_TABLE} (fn, label, version, purpose, state, schema_name, group_name, target_commit, accept_parked, switched_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $5 = 'live' THEN now() END)`,
    [g.fn, g.label, g.version, g.purpose, g.state, g.schema, g.group, g.targetCommit?.toString() ?? null, g.acceptParked ?? false],
  );
}

/** Moves a generation from one state to another; false when it was no longer in `from` (another replica got there first). */
export async function moveGeneration(
  db: SqlExecutor,
  fn: string,
  label: string,
  from: GenerationState,
  to: GenerationState,
  extra: { dropAfterMs?: number; message?: string; result?: unknown } = {},
): Promise<boolean> {
  const { affected } = await db.query(
    `UPDATE ${REGISTRY_TABLE} SET state = $4,
       switched_at = CASE WHEN $4 = 'live' THEN now() ELSE switched_at END,
       drop_after = CASE WHEN $5::bigint IS NULL THEN drop_after ELSE now() + ($5::bigint * interval '1 millisecond') END,
       dropped_at = CASE WHEN $4 = 'dropped' THEN now() ELSE dropped_at END,
       message = COALESCE($6, message),
       result = COALESCE($7::jsonb, result)
     WHERE fn = $1 AND label = $2 AND state = $3`,
    [
      fn,
      label,
      from,
      to,
      extra.dropAfterMs ?? null,
      extra.message ?? null,
      extra.result === undefined ? null : JSON.stringify(extra.result),
    ],
  );
  return affected === 1;
}

export async function setGenerationFields(
  db: SqlExecutor,
  fn: string,
  label: string,
  fields: { targetEvents?: number; acceptParked?: boolean; message?: string | null; replayedDelta?: number },
): Promise<void> {
  await db.query(
    `UPDATE ${REGISTRY_TABLE} SET
       target_events = COALESCE($3::bigint, target_events),
       accept_parked = COALESCE($4::boolean, accept_parked),
       message = CASE WHEN $5::boolean THEN $6 ELSE message END,
       replayed = replayed + $7::bigint
     WHERE fn = $1 AND label = $2`,
    [
      fn,
      label,
      fields.targetEvents ?? null,
      fields.acceptParked ?? null,
      fields.message !== undefined,
      fields.message ?? null,
      fields.replayedDelta ?? 0,
    ],
  );
}
