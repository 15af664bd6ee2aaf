import { inventoryStream, parseInventoryEvent, RestockItem, Sku } from '@spillway/contracts';
import { type RouteDefinition, ValidationError } from '@spillway/runtime';
import { decide } from './decider';
import type { ReservationDeps } from './handlers';
import { inventoryFold } from './inventory-fold';

function skuParam(params: Readonly<Record<string, string>>): string {
  const parsed = Sku.safeParse(params['sku']);
  if (!parsed.success)
    throw new ValidationError('the sku is invalid', [{ path: 'params.sku', message: parsed.error.issues[0]?.message ?? 'invalid' }]);
  return parsed.data;
}

/** POST /inventory/:sku/restock {quantity}: appends StockRestocked to `inventory-<sku>`. */
export const restockRoute: RouteDefinition<typeof RestockItem, never, ReservationDeps> = {
  method: 'POST',
  path: '/inventory/:sku/restock',
  summary: 'Add units of a SKU to stock; send an Idempotency-Key so a retry adds them once',
  body: RestockItem,
  async handle(request, ctx) {
    const sku = skuParam(request.params);
    const now = new Date();
    // The same lock as reservations of this SKU: a restock does not make in-flight reservations retry.
    const appended = await ctx.deps.skuLock.run(sku, () =>
      ctx.eventStore.decideAndAppend(
        inventoryStream(sku),
        inventoryFold,
        (state) => decide({ type: 'RestockItem', sku, quantity: request.body.quantity, now }, state),
        parseInventoryEvent,
      ),
    );
    return { status: 200, body: { sku, restocked: request.body.quantity, duplicate: appended.length === 0 } };
  },
};
