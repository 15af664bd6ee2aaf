import type { ItemQuantity, OrderEvent } from '@spillway/contracts';

/**
 * This function's view of an `order-<id>` stream: just enough to know whether stock
 * should be held (pending -> reserve), kept (reserved) or given back (rejected, cancelled).
 */
export type OrderProgress =
  | { readonly status: 'none' }
  | { readonly status: 'pending' | 'reserved' | 'rejected' | 'cancelled'; readonly items: readonly ItemQuantity[] };

export function initialProgress(): OrderProgress {
  return { status: 'none' };
}

export function evolveProgress(state: OrderProgress, event: OrderEvent): OrderProgress {
  switch (event.type) {
    case 'OrderCreated':
      // A duplicate OrderCreated (a client bypassing order-create) must not reopen a settled order.
      if (state.status !== 'none') return state;
      return { status: 'pending', items: event.data.items.map(({ sku, quantity }) => ({ sku, quantity })) };
    case 'StockReserved':
      return state.status === 'pending' ? { ...state, status: 'reserved' } : state;
    case 'StockReservationRejected':
      return state.status === 'pending' ? { ...state, status: 'rejected' } : state;
    case 'OrderCancelled':
      return state.status === 'none' ? state : { ...state, status: 'cancelled' };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export type ReservationOutcome = Extract<OrderEvent, { type: 'StockReserved' | 'StockReservationRejected' }>;

/** The outcome goes on the order stream only while the order is still pending (it may have been cancelled meanwhile). */
export function decideOutcome(outcome: ReservationOutcome, state: OrderProgress): OrderEvent[] {
  return state.status === 'pending' ? [outcome] : [];
}
