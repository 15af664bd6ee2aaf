import { type InventoryEvent, type OrderEvent, type OrderLine, orderIdOf, skuOf } from '@spillway/contracts';

export type OrderStatus = 'pending' | 'reserved' | 'rejected' | 'cancelled';
export type RejectionReason = { readonly sku: string; readonly requested: number; readonly available: number };

/** One row change of the read model, decided from one event without touching the database. */
export type ReadModelChange =
  | {
      readonly kind: 'InsertOrder';
      readonly orderId: string;
      readonly customerId: string;
      readonly items: readonly OrderLine[];
      readonly totalAmount: number;
      readonly currency: string;
      readonly createdAt: string;
    }
  | {
      readonly kind: 'SetOrderStatus';
      readonly orderId: string;
      readonly status: OrderStatus;
      readonly reasons?: readonly RejectionReason[];
    }
  | { readonly kind: 'AdjustInventory'; readonly sku: string; readonly onHand: number; readonly reserved: number };

/** A delivered event: which stream it is on decides what it means (StockReserved exists on both kinds). */
export type ProjectedEvent = (OrderEvent | InventoryEvent) & { readonly streamId: string };

function onOrderStream(event: ProjectedEvent, orderId: string): ReadModelChange[] {
  switch (event.type) {
    case 'OrderCreated':
      return [{ kind: 'InsertOrder', ...event.data }];
    case 'StockReserved':
      return [{ kind: 'SetOrderStatus', orderId, status: 'reserved' }];
    case 'StockReservationRejected':
      return [{ kind: 'SetOrderStatus', orderId, status: 'rejected', reasons: event.data.reasons }];
    case 'OrderCancelled':
      return [{ kind: 'SetOrderStatus', orderId, status: 'cancelled' }];
    // Inventory-only events never appear on an order stream.
    case 'StockRestocked':
    case 'StockReleased':
      return [];
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function onInventoryStream(event: ProjectedEvent, sku: string): ReadModelChange[] {
  switch (event.type) {
    case 'StockRestocked':
      return [{ kind: 'AdjustInventory', sku, onHand: event.data.quantity, reserved: 0 }];
    case 'StockReserved':
      return event.data.items.map((item) => ({ kind: 'AdjustInventory', sku: item.sku, onHand: 0, reserved: item.quantity }));
    case 'StockReleased':
      return event.data.items.map((item) => ({ kind: 'AdjustInventory', sku: item.sku, onHand: 0, reserved: -item.quantity }));
    // Order-only events never appear on an inventory stream.
    case 'OrderCreated':
    case 'OrderCancelled':
    case 'StockReservationRejected':
      return [];
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** What one event changes in the read model. */
export function project(event: ProjectedEvent): ReadModelChange[] {
  const orderId = orderIdOf(event.streamId);
  if (orderId !== undefined) return onOrderStream(event, orderId);
  const sku = skuOf(event.streamId);
  if (sku !== undefined) return onInventoryStream(event, sku);
  return [];
}
