import { z } from 'zod';
import { CurrencyCode, Price, toCents } from './money';

/** At most this many lines per order: bounds the work of one reservation. */
export const MAX_ORDER_LINES = 100;
/** Per-line cap; large enough for any shop, small enough that totals stay exact. */
export const MAX_LINE_QUANTITY = 1_000_000;
/**
 * Cap on an order's total. The per-line caps alone allow 100 x 1e6 x 1e6 = 1e14: more cents than a
 * double holds exactly, and more than the read model's numeric(16, 2) column, so such an order was
 * accepted here and then failed its projection on every retry until it was parked.
 */
export const MAX_ORDER_TOTAL = 1_000_000_000_000;

/** A SKU becomes part of a stream name (`inventory-<sku>`), hence the narrow alphabet. */
export const Sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dot, dash or underscore');

/** Order ids are UUIDs this shop issues; the id becomes part of a stream name (`order-<id>`). */
export const OrderId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be 1-64 letters, digits or dashes');

// Control characters (NUL above all, which PostgreSQL text refuses) would be accepted here and then
// fail the projection of the event, again on every retry, until it is parked.
export const CustomerId = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

export const Quantity = z.int('must be an integer').positive('must be positive').max(MAX_LINE_QUANTITY);

export const OrderLine = z.strictObject({ sku: Sku, quantity: Quantity, unitPrice: Price });
export type OrderLine = z.infer<typeof OrderLine>;

// Commands are strict: a field this shop does not know (a typo, a client's guess) is a 400 naming it,
// never silently dropped. Events are read tolerantly instead (see the runtime's tolerant reader).
export const CreateOrder = z
  .strictObject({
    customerId: CustomerId,
    items: z.array(OrderLine).min(1, 'an order needs at least one line').max(MAX_ORDER_LINES, `at most ${MAX_ORDER_LINES} lines`),
    currency: CurrencyCode,
  })
  .superRefine((order, ctx) => {
    const totalCents = order.items.reduce((sum, line) => sum + line.quantity * toCents(line.unitPrice), 0);
    if (totalCents > MAX_ORDER_TOTAL * 100) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: `the order total must be at most ${MAX_ORDER_TOTAL}` });
    }
    // One line per SKU, so a reservation holds one amount per SKU and order.
    const seen = new Set<string>();
    order.items.forEach((line, index) => {
      if (seen.has(line.sku))
        ctx.addIssue({ code: 'custom', path: ['items', index, 'sku'], message: 'duplicate sku; use one line per sku' });
      seen.add(line.sku);
    });
  });
export type CreateOrder = z.infer<typeof CreateOrder>;

export const CancelOrder = z.strictObject({ reason: z.string().max(500).optional() });
export type CancelOrder = z.infer<typeof CancelOrder>;

export const RestockItem = z.strictObject({ quantity: Quantity });
export type RestockItem = z.infer<typeof RestockItem>;
