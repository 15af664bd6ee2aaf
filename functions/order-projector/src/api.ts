import { CustomerId, OrderId, Sku } from '@spillway/contracts';
import { NotFoundError, pathParam, type RouteDefinition, ValidationError } from '@spillway/runtime';
import { z } from 'zod';
import { getInventory, getOrder, InvalidCursorError, listOrders } from './read-model/queries';

/** Page size when the client names none, and the most one page returns whatever it asks. */
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

/** `?status=` with nothing after it means "no filter", as a form would send it. */
const blankAsAbsent = (value: unknown) => (value === '' ? undefined : value);

// Strict, as commands are: a misspelt filter (`?state=pending`) would otherwise list every order.
const ListOrdersQuery = z.strictObject({
  customerId: z.preprocess(blankAsAbsent, CustomerId.optional()),
  status: z.preprocess(blankAsAbsent, z.enum(['pending', 'reserved', 'rejected', 'cancelled']).optional()),
  // Refused above the maximum rather than capped: a client asking for 100,000 and getting 100 back
  // without a word would take them for all there is. More is read page by page through nextCursor.
  limit: z.coerce
    .number()
    .int()
    .positive()
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE} (follow nextCursor for more)`)
    .default(DEFAULT_PAGE_SIZE),
  cursor: z.preprocess(blankAsAbsent, z.string().max(500).optional()),
});

export const getOrderRoute: RouteDefinition<never, never, undefined> = {
  method: 'GET',
  path: '/orders/:id',
  summary: 'One order with its lines and status (pending, reserved, rejected, cancelled)',
  async handle(request, ctx) {
    const orderId = pathParam(request.params, 'id', OrderId);
    const order = await getOrder(ctx.readModel, orderId);
    if (!order) throw new NotFoundError(`order ${orderId} is not known (yet)`);
    return { status: 200, body: order };
  },
};

export const listOrdersRoute: RouteDefinition<never, typeof ListOrdersQuery, undefined> = {
  method: 'GET',
  path: '/orders',
  summary: 'Orders, newest first, by customer and status; follow nextCursor for the next page',
  query: ListOrdersQuery,
  async handle(request, ctx) {
    try {
      return { status: 200, body: await listOrders(ctx.readModel, request.query) };
    } catch (err) {
      if (err instanceof InvalidCursorError)
        throw new ValidationError('the cursor is invalid', [{ path: 'query.cursor', message: err.message }]);
      throw err;
    }
  },
};

export const getInventoryRoute: RouteDefinition<never, never, undefined> = {
  method: 'GET',
  path: '/inventory/:sku',
  summary: 'Units on hand, reserved and available for one SKU',
  async handle(request, ctx) {
    const sku = pathParam(request.params, 'sku', Sku);
    const inventory = await getInventory(ctx.readModel, sku);
    if (!inventory) throw new NotFoundError(`sku ${sku} has never been stocked`);
    return { status: 200, body: inventory };
  },
};
