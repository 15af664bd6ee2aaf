import type { ReadModelChange } from '../decider';
import type { SqlExecutor } from './sql-database';

type Change<K extends ReadModelChange['kind']> = Extract<ReadModelChange, { kind: K }>;

/**
 * Writes the changes of a batch of events, given in log order, in at most four statements: new
 * orders, their lines, the orders' latest statuses, and each SKU's summed inventory adjustment.
 * Applying them kind by kind gives what applying them one by one gives, because an order's row is
 * inserted by its stream's first event, before any status of it, and inventory adjustments add up.
 */
export async function writeChanges(tx: SqlExecutor, changes: readonly ReadModelChange[]): Promise<void> {
  const inserts: Change<'InsertOrder'>[] = [];
  const statuses = new Map<string, Change<'SetOrderStatus'>>();
  const inventory = new Map<string, { onHand: number; reserved: number }>();
  for (const change of changes) {
    switch (change.kind) {
      case 'InsertOrder':
        inserts.push(change);
        break;
      case 'SetOrderStatus':
        // Only an order's last status in the batch survives, as when applied one by one.
        statuses.set(change.orderId, change);
        break;
      case 'AdjustInventory': {
        const sum = inventory.get(change.sku) ?? { onHand: 0, reserved: 0 };
        sum.onHand += change.onHand;
        sum.reserved += change.reserved;
        inventory.set(change.sku, sum);
        break;
      }
      default: {
        const unreachable: never = change;
        return unreachable;
      }
    }
  }
  if (inserts.length > 0) await insertOrders(tx, inserts);
  if (statuses.size > 0) await setStatuses(tx, [...statuses.values()]);
  if (inventory.size > 0) await adjustInventory(tx, inventory);
}

async function insertOrders(tx: SqlExecutor, inserts: readonly Change<'InsertOrder'>[]): Promise<void> {
  await tx.query(
    `INSERT INTO orders (order_id, customer_id, status, total_amount, currency, created_at)
     SELECT o.id, o.customer, 'pending', o.total, o.currency, o.created
     FROM unnest($1::text[], $2::text[], $3::numeric[], $4::text[], $5::timestamptz[]) AS o(id, customer, total, currency, created)`,
    [
      inserts.map((o) => o.orderId),
      inserts.map((o) => o.customerId),
      inserts.map((o) => o.totalAmount),
      inserts.map((o) => o.currency),
      inserts.map((o) => o.createdAt),
    ],
  );
  const lines = inserts.flatMap((o) => o.items.map((line, index) => ({ orderId: o.orderId, lineNo: index + 1, ...line })));
  if (lines.length === 0) return;
  await tx.query(
    `INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::numeric[])`,
    [
      lines.map((l) => l.orderId),
      lines.map((l) => l.lineNo),
      lines.map((l) => l.sku),
      lines.map((l) => l.quantity),
      lines.map((l) => l.unitPrice),
    ],
  );
}

const reasonsOf = (s: Change<'SetOrderStatus'>) => (s.reasons === undefined ? null : JSON.stringify(s.reasons));

async function setStatuses(tx: SqlExecutor, statuses: readonly Change<'SetOrderStatus'>[]): Promise<void> {
  const [one] = statuses;
  // An update joined with unnest() costs PGlite twice a plain one to plan: one row (an idle projector) goes plain.
  if (statuses.length === 1 && one) {
    await tx.query('UPDATE orders SET status = $2, rejection_reasons = $3 WHERE order_id = $1', [one.orderId, one.status, reasonsOf(one)]);
    return;
  }
  await tx.query(
    `UPDATE orders SET status = s.status, rejection_reasons = s.reasons
     FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS s(id, status, reasons)
     WHERE orders.order_id = s.id`,
    [statuses.map((s) => s.orderId), statuses.map((s) => s.status), statuses.map(reasonsOf)],
  );
}

async function adjustInventory(tx: SqlExecutor, inventory: ReadonlyMap<string, { onHand: number; reserved: number }>): Promise<void> {
  const skus = [...inventory.keys()];
  await tx.query(
    `INSERT INTO inventory (sku, on_hand, reserved) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
     ON CONFLICT (sku) DO UPDATE SET on_hand = inventory.on_hand + EXCLUDED.on_hand, reserved = inventory.reserved + EXCLUDED.reserved`,
    [skus, skus.map((sku) => inventory.get(sku)!.onHand), skus.map((sku) => inventory.get(sku)!.reserved)],
  );
}
