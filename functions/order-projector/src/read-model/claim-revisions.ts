import type { SqlExecutor } from './sql-database';
import { asOneStatement, SqlParams } from './sql-params';

/**
 * The event is ahead of the read model: an earlier event of its stream has not been applied
 * yet. Retrying later is right (the earlier one is on its way), so it is a plain Error, not permanent.
 */
export class EventAheadError extends Error {
  override readonly name = 'EventAheadError';
}

export type ApplyOutcome = 'applied' | 'duplicate';

/** An event's revision to claim on its stream's checkpoint. */
export interface RevisionClaim {
  readonly streamId: string;
  readonly revision: bigint;
}

/**
 * Claims each event's revision on its stream's checkpoint row, a whole batch in a few statements:
 * revision 0 inserts the row, revision n moves it from n - 1 (a compare-and-set, which also locks the
 * row, so two deliveries of one event serialise here). An event whose claim fails is a duplicate
 * (its stream is already at or past it) or ahead of a missing one (EventAheadError, not thrown: the
 * rest of the batch still applies).
 *
 * A stream whose events in the batch follow each other (n, n + 1, ... m: an order's OrderCreated and its
 * outcome, a SKU's reservations) is claimed as one, from n - 1 to m, in one statement with every other
 * stream: what claiming them one round at a time gives when the first succeeds. The streams whose claim
 * fails, and those with gaps or repeats in the batch, then go event by event (`claimInRounds`).
 */
export async function claimRevisions(tx: SqlExecutor, claims: readonly RevisionClaim[]): Promise<(ApplyOutcome | EventAheadError)[]> {
  const byStream = new Map<string, number[]>();
  for (const [i, claim] of claims.entries()) {
    const indices = byStream.get(claim.streamId);
    if (indices) indices.push(i);
    else byStream.set(claim.streamId, [i]);
  }
  const runs: Run[] = [];
  const rest: number[] = [];
  for (const [streamId, indices] of byStream) {
    const first = claims[indices[0]!]!.revision;
    if (indices.every((i, k) => claims[i]!.revision === first + BigInt(k))) {
      runs.push({ streamId, from: first - 1n, to: first + BigInt(indices.length - 1) });
    } else rest.push(...indices);
  }
  const claimed = await claimRuns(tx, runs);
  const outcomes: (ApplyOutcome | EventAheadError)[] = new Array(claims.length);
  for (const run of runs) {
    const indices = byStream.get(run.streamId)!;
    if (claimed.has(run.streamId)) for (const i of indices) outcomes[i] = 'applied';
    else rest.push(...indices);
  }
  if (rest.length === 0) return outcomes;
  const later = await claimInRounds(
    tx,
    rest.map((i) => claims[i]!),
  );
  for (const [k, i] of rest.entries()) outcomes[i] = later[k]!;
  return outcomes;
}

/** One stream's claim: its checkpoint moves from `from` (-1: no row yet) to `to`. */
interface Run {
  readonly streamId: string;
  readonly from: bigint;
  readonly to: bigint;
}

/** Several events of one stream are claimed in rounds, in order, one statement per round. */
async function claimInRounds(tx: SqlExecutor, claims: readonly RevisionClaim[]): Promise<(ApplyOutcome | EventAheadError)[]> {
  const outcomes: (ApplyOutcome | EventAheadError)[] = new Array(claims.length);
  const rounds: number[][] = [];
  const seen = new Map<string, number>();
  for (const [i, claim] of claims.entries()) {
    const round = seen.get(claim.streamId) ?? 0;
    seen.set(claim.streamId, round + 1);
    if (rounds[round] === undefined) rounds[round] = [];
    rounds[round].push(i);
  }
  const blocked = new Set<string>();
  for (const round of rounds) {
    // A stream whose earlier event in this batch is ahead of a gap cannot take its later ones either.
    const open = round.filter((i) => !blocked.has(claims[i]!.streamId));
    for (const i of round) if (blocked.has(claims[i]!.streamId)) outcomes[i] = aheadOf(claims[i]!, undefined);
    const claimed = await claimRuns(
      tx,
      open.map((i) => ({ streamId: claims[i]!.streamId, from: claims[i]!.revision - 1n, to: claims[i]!.revision })),
    );
    const missed = open.filter((i) => !claimed.has(claims[i]!.streamId));
    const current =
      missed.length === 0
        ? new Map<string, bigint>()
        : await currentRevisions(
            tx,
            missed.map((i) => claims[i]!.streamId),
          );
    for (const i of open) {
      const claim = claims[i]!;
      if (claimed.has(claim.streamId)) {
        outcomes[i] = 'applied';
        continue;
      }
      const at = current.get(claim.streamId) ?? -1n;
      if (at >= claim.revision) {
        outcomes[i] = 'duplicate';
        continue;
      }
      outcomes[i] = aheadOf(claim, at);
      blocked.add(claim.streamId);
    }
  }
  return outcomes;
}

function aheadOf(claim: RevisionClaim, current: bigint | undefined): EventAheadError {
  const after = current === undefined ? 'an earlier event of this batch' : String(current + 1n);
  return new EventAheadError(`stream ${claim.streamId}: revision ${claim.revision} arrived before ${after}`);
}

/** One claim per stream: the streams whose claim succeeded, new and existing checkpoints claimed in one statement. */
async function claimRuns(tx: SqlExecutor, runs: readonly Run[]): Promise<Set<string>> {
  const first = runs.filter((r) => r.from < 0n);
  const later = runs.filter((r) => r.from >= 0n);
  const params = new SqlParams();
  const parts: string[] = [];
  if (first.length > 0) {
    parts.push(`INSERT INTO stream_checkpoints (stream_id, revision)
       SELECT * FROM unnest(${params.add(first.map((r) => r.streamId))}::text[], ${params.add(first.map((r) => r.to.toString()))}::bigint[])
       ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id`);
  }
  const [one] = later;
  // An update joined with unnest() costs PGlite twice a plain one to plan: one row (an idle projector) goes plain.
  if (later.length === 1 && one) {
    parts.push(
      `UPDATE stream_checkpoints SET revision = ${params.add(one.to.toString())}::bigint
       WHERE stream_id = ${params.add(one.streamId)} AND revision = ${params.add(one.from.toString())}::bigint RETURNING stream_id`,
    );
  } else if (later.length > 0) {
    parts.push(`UPDATE stream_checkpoints s SET revision = c.revision
       FROM unnest(${params.add(later.map((r) => r.streamId))}::text[], ${params.add(later.map((r) => r.from.toString()))}::bigint[],
         ${params.add(later.map((r) => r.to.toString()))}::bigint[]) AS c(id, expected, revision)
       WHERE s.stream_id = c.id AND s.revision = c.expected RETURNING s.stream_id`);
  }
  if (parts.length === 0) return new Set();
  // The two parts claim different streams (one claim per stream), so neither waits on the other's rows.
  if (parts.length === 2) parts.push('SELECT stream_id FROM part0 UNION ALL SELECT stream_id FROM part1');
  const { rows } = await tx.query<{ stream_id: string }>(asOneStatement(parts), params.values);
  return new Set(rows.map((row) => row.stream_id));
}

async function currentRevisions(tx: SqlExecutor, streamIds: readonly string[]): Promise<Map<string, bigint>> {
  const { rows } = await tx.query<{ stream_id: string; revision: string | number }>(
    'SELECT stream_id, revision FROM stream_checkpoints WHERE stream_id = ANY($1::text[])',
    [streamIds],
  );
  return new Map(rows.map((row) => [row.stream_id, BigInt(row.revision)]));
}
