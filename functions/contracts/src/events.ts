import { z } from 'zod';
import { Quantity, Sku } from './commands';
import { CurrencyCode, fromCents, Price, toCents } from './money';

const Timestamp = z.iso.datetime({ offset: true });
const ItemQuantity = z.object({ sku: Sku, quantity: Quantity });
export type ItemQuantity = z.infer<typeof ItemQuantity>;

/** `OrderCreated` as written today (v2). */
export const OrderCreatedV2 = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  items: z.array(z.object({ sku: Sku, quantity: Quantity, unitPrice: Price })).min(1),
  totalAmount: z.number().nonnegative(),
  currency: CurrencyCode,
  createdAt: Timestamp,
});

/**
 * `OrderCreated` as the first release wrote it (v1): `lines` with `qty` / `price`, a
 * `total`, and no currency because that shop sold in euros only. Such events stay in
 * the log forever, so every reader goes through the upcaster below.
 */
export const OrderCreatedV1 = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  lines: z.array(z.object({ sku: Sku, qty: Quantity, price: Price })).min(1),
  total: z.number().nonnegative(),
  createdAt: Timestamp,
});

/** The currency every v1 order was priced in. */
const V1_CURRENCY = 'EUR';

export function upcastOrderCreatedV1(v1: z.infer<typeof OrderCreatedV1>): z.infer<typeof OrderCreatedV2> {
  const items = v1.lines.map((line) => ({ sku: line.sku, quantity: line.qty, unitPrice: line.price }));
  return {
    orderId: v1.orderId,
    customerId: v1.customerId,
    items,
    // v1 stored a client-computed total; recompute it the way v2 does so both agree.
    totalAmount: orderTotal(items),
    currency: V1_CURRENCY,
    createdAt: v1.createdAt,
  };
}

/** Reads either shape and always yields v2: v2 first, since that is what is written today. */
export const OrderCreated = z.union([OrderCreatedV2, OrderCreatedV1.transform(upcastOrderCreatedV1)]);
export type OrderCreated = z.output<typeof OrderCreated>;

/** Sum of quantity x unit price, in integer cents, returned in currency units. */
export function orderTotal(items: readonly { quantity: number; unitPrice: number }[]): number {
  return fromCents(items.reduce((sum, line) => sum + line.quantity * toCents(line.unitPrice), 0));
}

export const OrderCancelled = z.object({ orderId: z.string().min(1), reason: z.string().optional(), cancelledAt: Timestamp });
export type OrderCancelled = z.infer<typeof OrderCancelled>;

/** On `order-<id>`: every line is held. On `inventory-<sku>`: this SKU's share of the order. */
export const StockReserved = z.object({ orderId: z.string().min(1), items: z.array(ItemQuantity).min(1) });
export type StockReserved = z.infer<typeof StockReserved>;

export const StockReservationRejected = z.object({
  orderId: z.string().min(1),
  reasons: z.array(z.object({ sku: Sku, requested: Quantity, available: z.int() })).min(1),
});
export type StockReservationRejected = z.infer<typeof StockReservationRejected>;

/** On `inventory-<sku>`: a reservation given back (order cancelled, or a later SKU was short). */
export const StockReleased = z.object({ orderId: z.string().min(1), items: z.array(ItemQuantity).min(1) });
export type StockReleased = z.infer<typeof StockReleased>;

export const StockRestocked = z.object({ sku: Sku, quantity: Quantity, restockedAt: Timestamp });
export type StockRestocked = z.infer<typeof StockRestocked>;

/** Events of an `order-<id>` stream, by event type. */
export const orderEvents = { OrderCreated, OrderCancelled, StockReserved, StockReservationRejected } as const;
/** Events of an `inventory-<sku>` stream, by event type. */
export const inventoryEvents = { StockRestocked, StockReserved, StockReleased } as const;

type EventUnion<M extends Record<string, z.ZodType>> = { [K in keyof M & string]: { type: K; data: z.output<M[K]> } }[keyof M & string];
export type OrderEvent = EventUnion<typeof orderEvents>;
export type InventoryEvent = EventUnion<typeof inventoryEvents>;

function parserFor<M extends Record<string, z.ZodType>>(schemas: M, streamKind: string) {
  return (type: string, data: unknown): EventUnion<M> | undefined => {
    const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
    if (!schema) return undefined;
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new Error(`${streamKind} event ${type} does not match its schema: ${parsed.error.message}`);
    return { type, data: parsed.data } as EventUnion<M>;
  };
}

/** Parses a stored order-stream event; undefined for event types this contract does not know. */
export const parseOrderEvent = parserFor(orderEvents, 'order');
/** Parses a stored inventory-stream event; undefined for event types this contract does not know. */
export const parseInventoryEvent = parserFor(inventoryEvents, 'inventory');
