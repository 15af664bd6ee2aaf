import type { ReadModelChange } from '../decider';
import { type ApplyOutcome, claimRevisions, EventAheadError } from './claim-revisions';
import type { SqlDatabase } from './sql-database';
import { writeChanges } from './write-changes';

export { type ApplyOutcome, EventAheadError } from './claim-revisions';

/** One event and the read-model changes it makes. */
export interface EventChanges {
  readonly streamId: string;
  readonly revision: bigint;
  readonly changes: readonly ReadModelChange[];
}

/**
 * Applies several events in one transaction: each event's revision is claimed on its stream's
 * checkpoint and, when claimed, its changes are written, all in a handful of multi-row statements
 * whatever the batch's size. A redelivered event changes nothing ('duplicate'); an event ahead of a
 * missing one changes nothing and gets its EventAheadError, while the rest of the batch commits. A
 * failing statement rolls the whole batch back (and throws). Events of one stream come in stream order.
 */
export async function applyEvents(db: SqlDatabase, events: readonly EventChanges[]): Promise<(ApplyOutcome | EventAheadError)[]> {
  return db.transaction(async (tx) => {
    const outcomes = await claimRevisions(tx, events);
    await writeChanges(
      tx,
      events.flatMap((event, i) => (outcomes[i] === 'applied' ? event.changes : [])),
    );
    return outcomes;
  });
}

/**
 * Applies one event's changes and advances its stream's checkpoint in one transaction:
 * a redelivered event changes nothing, an event ahead of a missing one throws EventAheadError.
 */
export async function applyEvent(
  db: SqlDatabase,
  event: { readonly streamId: string; readonly revision: bigint },
  changes: readonly ReadModelChange[],
): Promise<ApplyOutcome> {
  const [outcome] = await applyEvents(db, [{ ...event, changes }]);
  if (outcome instanceof EventAheadError) throw outcome;
  return outcome as ApplyOutcome;
}
