import type { OrderStatus, RejectionReason } from '../decider';
import type { SqlExecutor } from './sql-database';

export interface OrderView {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly totalAmount: number;
  readonly currency: string;
  readonly createdAt: string;
  readonly items: readonly { readonly sku: string; readonly quantity: number; readonly unitPrice: number }[];
  readonly rejectionReasons?: readonly RejectionReason[];
}

export type OrderSummary = Omit<OrderView, 'items' | 'rejectionReasons'>;

export interface InventoryView {
  readonly sku: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
}

interface OrderRow {
  order_id: string;
  customer_id: string;
  status: OrderStatus;
  total_amount: string | number;
  currency: string;
  created_at: Date | string;
  rejection_reasons?: unknown;
}

// pg returns numeric and bigint as strings, PGlite bigint as numbers: Number() settles both.
function toSummary(row: OrderRow): OrderSummary {
  return {
    orderId: row.order_id,
    customerId: row.customer_id,
    status: row.status,
    totalAmount: Number(row.total_amount),
    currency: row.currency,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function parseReasons(value: unknown): RejectionReason[] | undefined {
  if (value === null || value === undefined) return undefined;
  return (typeof value === 'string' ? JSON.parse(value) : value) as RejectionReason[];
}

interface OrderLineJson {
  sku: string;
  quantity: number | string;
  unit_price: number | string;
}

/**
 * One order with its lines, in one statement (the lines as a JSON array): on PGlite each statement of a
 * bound read runs in its own transaction that sets the schema first, so two statements cost nearly twice one.
 */
export async function getOrder(db: SqlExecutor, orderId: string): Promise<OrderView | undefined> {
  const { rows } = await db.query<OrderRow & { lines: OrderLineJson[] | string }>(
    `SELECT o.*, COALESCE(
       (SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity, 'unit_price', l.unit_price) ORDER BY l.line_no)
        FROM order_lines l WHERE l.order_id = o.order_id),
       '[]'::json) AS lines
     FROM orders o WHERE o.order_id = $1`,
    [orderId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const lines = (typeof row.lines === 'string' ? JSON.parse(row.lines) : row.lines) as OrderLineJson[];
  const reasons = parseReasons(row.rejection_reasons);
  return {
    ...toSummary(row),
    items: lines.map((line) => ({ sku: line.sku, quantity: Number(line.quantity), unitPrice: Number(line.unit_price) })),
    ...(reasons === undefined ? {} : { rejectionReasons: reasons }),
  };
}

export interface OrderFilter {
  readonly customerId?: string;
  readonly status?: OrderStatus;
  readonly limit: number;
  /** Opaque position from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

function encodeCursor(summary: OrderSummary): string {
  return Buffer.from(JSON.stringify([summary.createdAt, summary.orderId])).toString('base64url');
}

// Four-digit years from 0001: toISOString() writes years beyond 9999 and before 0000 in an extended form
// (`+010000-...`, `-000001-...`) and year 0 as `0000`, none of which PostgreSQL's timestamptz reads.
const ORDINARY_YEAR = /^(?!0000)\d{4}-/;

/** True for the exact ISO form `toISOString()` writes: Date.parse accepts forms PostgreSQL refuses (`'1'`). */
function isIsoTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !ORDINARY_YEAR.test(value)) return false;
  const time = new Date(value);
  return !Number.isNaN(time.getTime()) && time.toISOString() === value;
}

// The cursor comes back from the client: a forged one must be a 400, never a database error. The order id
// part is any text PostgreSQL accepts (no NUL), so a page can end on an order of any id the events carried.
const CURSOR_ORDER_ID = /^[^\p{Cc}]{1,200}$/u;

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      isIsoTimestamp(value[0]) &&
      typeof value[1] === 'string' &&
      CURSOR_ORDER_ID.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidCursorError('cursor is not one this API issued');
}

/** Newest first, keyset-paginated on (created_at, order_id): stable while orders keep arriving. */
export async function listOrders(db: SqlExecutor, filter: OrderFilter): Promise<{ items: OrderSummary[]; nextCursor?: string }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.customerId !== undefined) {
    params.push(filter.customerId);
    where.push(`customer_id = $${params.length}`);
  }
  if (filter.status !== undefined) {
    params.push(filter.status);
    where.push(`status = $${params.length}`);
  }
  if (filter.cursor !== undefined) {
    const [createdAt, orderId] = decodeCursor(filter.cursor);
    params.push(createdAt, orderId);
    where.push(`(created_at, order_id) < ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  // One row more than asked tells whether another page exists.
  params.push(filter.limit + 1);
  const sql = `SELECT * FROM orders ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, order_id DESC LIMIT $${params.length}`;
  const { rows } = await db.query<OrderRow>(sql, params);
  const items = rows.slice(0, filter.limit).map(toSummary);
  const last = items[items.length - 1];
  return rows.length > filter.limit && last ? { items, nextCursor: encodeCursor(last) } : { items };
}

export async function getInventory(db: SqlExecutor, sku: string): Promise<InventoryView | undefined> {
  const { rows } = await db.query<{ sku: string; on_hand: string | number; reserved: string | number; available: string | number }>(
    'SELECT sku, on_hand, reserved, available FROM inventory WHERE sku = $1',
    [sku],
  );
  const row = rows[0];
  return row && { sku: row.sku, onHand: Number(row.on_hand), reserved: Number(row.reserved), available: Number(row.available) };
}
