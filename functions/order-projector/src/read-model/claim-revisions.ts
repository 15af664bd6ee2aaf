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
 * rest of the batch still applies). Several events of one stream are claimed in rounds, in order.
 */
export async function claimRevisions(tx: SqlExecutor, claims: readonly RevisionClaim[]): Promise<(ApplyOutcome | EventAheadError)[]> {
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
    const claimed = await claimRound(
      tx,
      open.map((i) => claims[i]!),
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

/** One event per stream: the streams whose claim succeeded, first and later revisions claimed in one statement. */
async function claimRound(tx: SqlExecutor, round: readonly RevisionClaim[]): Promise<Set<string>> {
  const first = round.filter((c) => c.revision === 0n).map((c) => c.streamId);
  const later = round.filter((c) => c.revision > 0n);
  const params = new SqlParams();
  const parts: string[] = [];
  if (first.length > 0) {
    parts.push(`INSERT INTO stream_checkpoints (stream_id, revision) SELECT id, 0 FROM unnest(${params.add(first)}::text[]) AS c(id)
       ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id`);
  }
  const [one] = later;
  // An update joined with unnest() costs PGlite twice a plain one to plan: one row (an idle projector) goes plain.
  if (later.length === 1 && one) {
    parts.push(
      `UPDATE stream_checkpoints SET revision = ${params.add(one.revision.toString())}::bigint
       WHERE stream_id = ${params.add(one.streamId)} AND revision = ${params.add((one.revision - 1n).toString())}::bigint RETURNING stream_id`,
    );
  } else if (later.length > 0) {
    parts.push(`UPDATE stream_checkpoints s SET revision = c.revision
       FROM unnest(${params.add(later.map((c) => c.streamId))}::text[], ${params.add(later.map((c) => c.revision.toString()))}::bigint[]) AS c(id, revision)
       WHERE s.stream_id = c.id AND s.revision = c.revision - 1 RETURNING s.stream_id`);
  }
  if (parts.length === 0) return new Set();
  // The two parts claim different streams (a round has one event per stream), so neither waits on the other's rows.
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
