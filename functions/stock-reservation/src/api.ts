import { inventoryStream, parseInventoryEvent, RestockItem, Sku } from '@spillway/contracts';
import { pathParam, type RouteDefinition } from '@spillway/runtime';
import { decide } from './decider';
import type { ReservationDeps } from './handlers';
import { inventoryFold } from './inventory-fold';

/** POST /inventory/:sku/restock {quantity}: appends StockRestocked to `inventory-<sku>`. */
export const restockRoute: RouteDefinition<typeof RestockItem, never, ReservationDeps> = {
  method: 'POST',
  path: '/inventory/:sku/restock',
  summary: 'Add units of a SKU to stock; send an Idempotency-Key so a retry adds them once',
  body: RestockItem,
  async handle(request, ctx) {
    const sku = pathParam(request.params, 'sku', Sku);
    const now = new Date();
    // The same lock as reservations of this SKU: a restock does not make in-flight reservations retry.
    // A retry with the same Idempotency-Key gets back what the first attempt appended (the runtime's rule), so the answer is the same.
    await ctx.deps.skuLock.run(sku, () =>
      ctx.eventStore.decideAndAppend(
        inventoryStream(sku),
        inventoryFold,
        (state) => decide({ type: 'RestockItem', sku, quantity: request.body.quantity, now }, state),
        parseInventoryEvent,
      ),
    );
    return { status: 200, body: { sku, restocked: request.body.quantity } };
  },
};
