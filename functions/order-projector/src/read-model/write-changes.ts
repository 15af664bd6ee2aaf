import type { ReadModelChange } from '../decider';
import type { SqlExecutor } from './sql-database';
import { asOneStatement, SqlParams } from './sql-params';

type Change<K extends ReadModelChange['kind']> = Extract<ReadModelChange, { kind: K }>;

/**
 * Writes the changes of a batch of events, given in log order, in one statement of up to four parts: new
 * orders, their lines, the latest statuses of orders written before, and each SKU's summed inventory
 * adjustment. Applying them kind by kind gives what applying them one by one gives, because an order's row is
 * inserted by its stream's first event, before any status of it (an order inserted in this batch is inserted
 * with its latest status: the parts of one statement do not see each other's rows), and inventory adjustments add up.
 */
export async function writeChanges(tx: SqlExecutor, changes: readonly ReadModelChange[]): Promise<void> {
  const inserts = new Map<string, Change<'InsertOrder'>>();
  const insertsTwice: Change<'InsertOrder'>[] = [];
  const statuses = new Map<string, Change<'SetOrderStatus'>>();
  const inventory = new Map<string, { onHand: number; reserved: number }>();
  for (const change of changes) {
    switch (change.kind) {
      case 'InsertOrder':
        // A second insert of one order fails on its key, as it would one by one; kept to fail the same way.
        if (inserts.has(change.orderId)) insertsTwice.push(change);
        else inserts.set(change.orderId, change);
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
  const params = new SqlParams();
  const parts: string[] = [];
  const newOrders = [...inserts.values(), ...insertsTwice].map((order) => ({ order, status: statuses.get(order.orderId) }));
  for (const orderId of inserts.keys()) statuses.delete(orderId);
  if (newOrders.length > 0) parts.push(...insertOrders(params, newOrders));
  if (statuses.size > 0) parts.push(setStatuses(params, [...statuses.values()]));
  if (inventory.size > 0) parts.push(adjustInventory(params, inventory));
  if (parts.length > 0) await tx.query(asOneStatement(parts), params.values);
}

const reasonsOf = (s: Change<'SetOrderStatus'> | undefined) => (s?.reasons === undefined ? null : JSON.stringify(s.reasons));

function insertOrders(params: SqlParams, orders: readonly { order: Change<'InsertOrder'>; status?: Change<'SetOrderStatus'> }[]): string[] {
  const parts = [
    `INSERT INTO orders (order_id, customer_id, status, total_amount, currency, created_at, rejection_reasons)
     SELECT * FROM unnest(${params.add(orders.map((o) => o.order.orderId))}::text[], ${params.add(orders.map((o) => o.order.customerId))}::text[],
       ${params.add(orders.map((o) => o.status?.status ?? 'pending'))}::text[], ${params.add(orders.map((o) => o.order.totalAmount))}::numeric[],
       ${params.add(orders.map((o) => o.order.currency))}::text[], ${params.add(orders.map((o) => o.order.createdAt))}::timestamptz[],
       ${params.add(orders.map((o) => reasonsOf(o.status)))}::jsonb[])`,
  ];
  const lines = orders.flatMap(({ order }) => order.items.map((line, index) => ({ orderId: order.orderId, lineNo: index + 1, ...line })));
  if (lines.length === 0) return parts;
  // Its key to orders is checked once the whole statement has run, the orders part's rows included.
  parts.push(
    `INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price)
     SELECT * FROM unnest(${params.add(lines.map((l) => l.orderId))}::text[], ${params.add(lines.map((l) => l.lineNo))}::int[],
       ${params.add(lines.map((l) => l.sku))}::text[], ${params.add(lines.map((l) => l.quantity))}::int[], ${params.add(lines.map((l) => l.unitPrice))}::numeric[])`,
  );
  return parts;
}

function setStatuses(params: SqlParams, statuses: readonly Change<'SetOrderStatus'>[]): string {
  const [one] = statuses;
  // An update joined with unnest() costs PGlite twice a plain one to plan: one row (an idle projector) goes plain.
  if (statuses.length === 1 && one) {
    return `UPDATE orders SET status = ${params.add(one.status)}, rejection_reasons = ${params.add(reasonsOf(one))}::jsonb WHERE order_id = ${params.add(one.orderId)}`;
  }
  return `UPDATE orders SET status = s.status, rejection_reasons = s.reasons
     FROM unnest(${params.add(statuses.map((s) => s.orderId))}::text[], ${params.add(statuses.map((s) => s.status))}::text[], ${params.add(statuses.map(reasonsOf))}::jsonb[]) AS s(id, status, reasons)
     WHERE orders.order_id = s.id`;
}

function adjustInventory(params: SqlParams, inventory: ReadonlyMap<string, { onHand: number; reserved: number }>): string {
  const skus = [...inventory.keys()];
  return `INSERT INTO inventory (sku, on_hand, reserved)
     SELECT * FROM unnest(${params.add(skus)}::text[], ${params.add(skus.map((sku) => inventory.get(sku)!.onHand))}::bigint[], ${params.add(skus.map((sku) => inventory.get(sku)!.reserved))}::bigint[])
     ON CONFLICT (sku) DO UPDATE SET on_hand = inventory.on_hand + EXCLUDED.on_hand, reserved = inventory.reserved + EXCLUDED.reserved`;
}
