import { ORDER_STREAM_PREFIX, OrderCancelled, OrderCreated } from '@spillway/contracts';
import { defineFunction } from '@spillway/runtime';
import { restockRoute } from './api';
import { type ReservationDeps, reconcileOrder } from './handlers';
import { InventoryCache } from './inventory-cache';
import { KeyedLock } from './keyed-lock';

// Retries happen in the runtime with backoff (its default budget); this bounds redeliveries after a replica
// died or drained holding the event. Parking one would leave its order pending, so the bound is generous.
const MAX_RETRY_COUNT = 50;

/** Holds stock for new orders (all lines or none) and gives it back when an order is cancelled. */
export default defineFunction({
  name: 'stock-reservation',
  subscription: {
    source: { all: { streamNamePrefixes: [ORDER_STREAM_PREFIX] } },
    group: 'stock-reservation',
    // Outcome events on the order stream (StockReserved, ...) have no schema here: the runtime acks them unhandled.
    events: { OrderCreated, OrderCancelled },
    settings: { consumerStrategy: 'RoundRobin', maxRetryCount: MAX_RETRY_COUNT },
    async handle(event, ctx) {
      await reconcileOrder(ctx.eventStore, ctx.deps, event.data.orderId);
    },
  },
  routes: [restockRoute],
  init: async (): Promise<ReservationDeps> => ({ skuLock: new KeyedLock(), inventory: new InventoryCache() }),
});
