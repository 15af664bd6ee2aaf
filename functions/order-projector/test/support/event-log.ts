import { type EventStoreDBClient, FORWARDS, START } from '@eventstore/db-client';
import { orderIdOf, parseInventoryEvent, parseOrderEvent, skuOf } from '@spillway/contracts';

export interface ExpectedOrder {
  status: 'pending' | 'reserved' | 'rejected' | 'cancelled';
  customerId: string;
  totalAmount: number;
  lines: Map<string, number>;
}

export interface ExpectedInventory {
  onHand: number;
  reserved: number;
  /** Units each order holds now, and how many StockReserved events it got (never more than one). */
  holds: Map<string, { units: number; reservations: number }>;
}

/** The read model recomputed from the event log, independently of the projector's code. */
export interface Recomputed {
  readonly orders: Map<string, ExpectedOrder>;
  readonly inventory: Map<string, ExpectedInventory>;
}

/** Reads all of `$all` and folds the shop's streams into what the read model should hold. */
export async function recompute(client: EventStoreDBClient): Promise<Recomputed> {
  const orders = new Map<string, ExpectedOrder>();
  const inventory = new Map<string, ExpectedInventory>();
  for await (const resolved of client.readAll({ direction: FORWARDS, fromPosition: START })) {
    const raw = resolved.event;
    if (!raw) continue;
    const orderId = orderIdOf(raw.streamId);
    const sku = skuOf(raw.streamId);
    if (orderId !== undefined) {
      const event = parseOrderEvent(raw.type, raw.data);
      if (!event) continue;
      if (event.type === 'OrderCreated') {
        const lines = new Map(event.data.items.map((item) => [item.sku, item.quantity]));
        orders.set(orderId, { status: 'pending', customerId: event.data.customerId, totalAmount: event.data.totalAmount, lines });
        continue;
      }
      const order = orders.get(orderId);
      if (!order) throw new Error(`${raw.type} before OrderCreated on ${raw.streamId}`);
      order.status = event.type === 'StockReserved' ? 'reserved' : event.type === 'StockReservationRejected' ? 'rejected' : 'cancelled';
    } else if (sku !== undefined) {
      const event = parseInventoryEvent(raw.type, raw.data);
      if (!event) continue;
      const level = inventory.get(sku) ?? { onHand: 0, reserved: 0, holds: new Map() };
      inventory.set(sku, level);
      if (event.type === 'StockRestocked') {
        level.onHand += event.data.quantity;
        continue;
      }
      const units = event.data.items.reduce((sum, item) => sum + item.quantity, 0);
      const hold = level.holds.get(event.data.orderId) ?? { units: 0, reservations: 0 };
      level.holds.set(event.data.orderId, hold);
      if (event.type === 'StockReserved') {
        level.reserved += units;
        hold.units += units;
        hold.reservations += 1;
      } else {
        level.reserved -= units;
        hold.units -= units;
      }
    }
  }
  return { orders, inventory };
}
