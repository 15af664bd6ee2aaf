import { randomUUID } from 'node:crypto';
import { type EventStoreDBClient, jsonEvent } from '@eventstore/db-client';

// Appends in flight at once while seeding: enough to keep the event store busy, few enough for a loaded CI box.
const SEED_PARALLELISM = 25;

/** An order's events as order-create and stock-reservation write them: created, then reserved or rejected. */
function orderEvents(orderId: string, index: number) {
  const createdAt = new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString();
  const quantity = 1 + (index % 5);
  const created = jsonEvent({
    type: 'OrderCreated',
    data: {
      orderId,
      customerId: `c-${index % 50}`,
      items: [{ sku: `sku-${index % 7}`, quantity, unitPrice: 1.5 }],
      totalAmount: quantity * 1.5,
      currency: 'EUR',
      createdAt,
    },
  });
  const outcome =
    index % 4 === 0
      ? jsonEvent({
          type: 'StockReservationRejected',
          data: { orderId, reasons: [{ sku: `sku-${index % 7}`, requested: quantity, available: 0 }] },
        })
      : jsonEvent({ type: 'StockReserved', data: { orderId, items: [{ sku: `sku-${index % 7}`, quantity }] } });
  return [created, outcome];
}

/** Writes `count` orders (two events each) and resolves to their ids, in order. */
export async function seedOrders(client: EventStoreDBClient, count: number, offset = 0): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  for (let start = 0; start < count; start += SEED_PARALLELISM) {
    const batch = ids.slice(start, start + SEED_PARALLELISM);
    await Promise.all(batch.map((id, i) => client.appendToStream(`order-${id}`, orderEvents(id, offset + start + i))));
  }
  return ids;
}
