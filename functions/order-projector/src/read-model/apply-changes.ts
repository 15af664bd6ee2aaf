import type { ReadModelChange } from '../decider';
import type { SqlDatabase, SqlExecutor } from './sql-database';

/**
 * The event is ahead of the read model: an earlier event of its stream has not been applied
 * yet. Retrying later is right (the earlier one is on its way), so it is a plain Error, not permanent.
 */
export class EventAheadError extends Error {
  override readonly name = 'EventAheadError';
}

export type ApplyOutcome = 'applied' | 'duplicate';

async function claimRevision(tx: SqlExecutor, streamId: string, revision: bigint): Promise<ApplyOutcome> {
  // Compare-and-set on the checkpoint row: it also locks the row, so two deliveries of one event serialise here.
  const claimed =
    revision === 0n
      ? await tx.query('INSERT INTO stream_checkpoints (stream_id, revision) VALUES ($1, 0) ON CONFLICT (stream_id) DO NOTHING', [streamId])
      : await tx.query('UPDATE stream_checkpoints SET revision = $2 WHERE stream_id = $1 AND revision = $3', [
          streamId,
          revision.toString(),
          (revision - 1n).toString(),
        ]);
  if (claimed.affected === 1) return 'applied';
  const { rows } = await tx.query<{ revision: string | number }>('SELECT revision FROM stream_checkpoints WHERE stream_id = $1', [
    streamId,
  ]);
  const current = rows[0] === undefined ? -1n : BigInt(rows[0].revision);
  if (current >= revision) return 'duplicate';
  throw new EventAheadError(`stream ${streamId}: revision ${revision} arrived before ${current + 1n}`);
}

async function applyChange(tx: SqlExecutor, change: ReadModelChange): Promise<void> {
  switch (change.kind) {
    case 'InsertOrder': {
      await tx.query(
        `INSERT INTO orders (order_id, customer_id, status, total_amount, currency, created_at)
         VALUES ($1, $2, 'pending', $3, $4, $5)`,
        [change.orderId, change.customerId, change.totalAmount, change.currency, change.createdAt],
      );
      for (const [index, line] of change.items.entries()) {
        await tx.query('INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price) VALUES ($1, $2, $3, $4, $5)', [
          change.orderId,
          index + 1,
          line.sku,
          line.quantity,
          line.unitPrice,
        ]);
      }
      return;
    }
    case 'SetOrderStatus':
      await tx.query('UPDATE orders SET status = $2, rejection_reasons = $3 WHERE order_id = $1', [
        change.orderId,
        change.status,
        change.reasons === undefined ? null : JSON.stringify(change.reasons),
      ]);
      return;
    case 'AdjustInventory':
      await tx.query(
        `INSERT INTO inventory (sku, on_hand, reserved) VALUES ($1, $2, $3)
         ON CONFLICT (sku) DO UPDATE SET on_hand = inventory.on_hand + EXCLUDED.on_hand, reserved = inventory.reserved + EXCLUDED.reserved`,
        [change.sku, change.onHand, change.reserved],
      );
      return;
    default: {
      const unreachable: never = change;
      return unreachable;
    }
  }
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
  return db.transaction((tx) => applyInTransaction(tx, { ...event, changes }));
}

/** One event and the read-model changes it makes. */
export interface EventChanges {
  readonly streamId: string;
  readonly revision: bigint;
  readonly changes: readonly ReadModelChange[];
}

async function applyInTransaction(tx: SqlExecutor, event: EventChanges): Promise<ApplyOutcome> {
  const outcome = await claimRevision(tx, event.streamId, event.revision);
  if (outcome === 'duplicate') return outcome;
  for (const change of event.changes) await applyChange(tx, change);
  return outcome;
}

/**
 * Applies several events, each revision-guarded as `applyEvent` does, in one transaction: one
 * commit instead of one per event. All or nothing: when one throws, none is applied. Events of
 * one stream must come in stream order.
 */
export async function applyEvents(db: SqlDatabase, events: readonly EventChanges[]): Promise<ApplyOutcome[]> {
  return db.transaction(async (tx) => {
    const outcomes: ApplyOutcome[] = [];
    for (const event of events) outcomes.push(await applyInTransaction(tx, event));
    return outcomes;
  });
}
