import { ORDER_STREAM_PREFIX, OrderCancelled, OrderCreated } from '@spillway/contracts';
import { defineFunction } from '@spillway/runtime';
import { restockRoute } from './api';
import { type ReservationDeps, reconcileOrder, reserveNewOrder } from './handlers';
import { InventoryCache } from './inventory-cache';
import { KeyedLock } from './keyed-lock';

// Retries happen in the runtime with backoff (its default budget); this bounds redeliveries after a replica
// died or drained holding the event. Parking one would leave its order pending, so the bound is generous.
const MAX_RETRY_COUNT = 50;

/** Holds stock for new orders (all lines or none) and gives it back when an order is cancelled. */
export default defineFunction({
  name: 'stock-reservation',
  subscription: {
    // Filtered by event type on the server: filtered by stream name, half of what it was sent would be
    // its own outcome events (StockReserved, ...) coming back, to be acknowledged unhandled.
    source: { all: { eventTypePrefixes: ['OrderCreated', 'OrderCancelled'] } },
    group: 'stock-reservation',
    events: { OrderCreated, OrderCancelled },
    settings: { consumerStrategy: 'RoundRobin', maxRetryCount: MAX_RETRY_COUNT },
    async handle(event, ctx) {
      // Only events of order streams are this function's business, whatever else shares the type name.
      if (!event.streamId.startsWith(ORDER_STREAM_PREFIX)) return;
      if (event.type === 'OrderCreated') await reserveNewOrder(ctx.eventStore, ctx.deps, { ...event.data, revision: event.revision });
      else await reconcileOrder(ctx.eventStore, ctx.deps, event.data.orderId);
    },
  },
  routes: [restockRoute],
  init: async (): Promise<ReservationDeps> => ({ skuLock: new KeyedLock(), inventory: new InventoryCache() }),
});
