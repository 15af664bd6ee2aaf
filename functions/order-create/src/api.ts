import { hash } from 'node:crypto';
import { CancelOrder, CreateOrder, type OrderEvent, OrderId, orderStream, parseOrderEvent } from '@spillway/contracts';
import { type Fold, parseInput, pathParam, type RouteDefinition } from '@spillway/runtime';
import { decide, evolve, initialState, type OrderState } from './decider';

/** Folds an order stream; event types this contract does not know leave the state as it is. */
const orderFold: Fold<OrderState, OrderEvent | undefined> = {
  initialState,
  evolve: (state, event) => (event ? evolve(state, event) : state),
};

/** What makes two requests the same order (the fields the decider compares), as a short hash. */
function orderDigest(order: CreateOrder): string {
  const lines = order.items.map(({ sku, quantity, unitPrice }) => [sku, quantity, unitPrice]);
  return hash('sha256', JSON.stringify([order.customerId, order.currency, lines]), 'base64url');
}

/** POST /orders: validates, computes the total, appends OrderCreated to a new `order-<id>` stream. */
export const createOrderRoute: RouteDefinition<typeof CreateOrder, never, undefined> = {
  method: 'POST',
  path: '/orders',
  summary: 'Place an order; send an Idempotency-Key so a retry returns the same order',
  body: CreateOrder,
  async handle(request, ctx) {
    // Derived from the Idempotency-Key when there is one, so a retried request addresses the same stream.
    const orderId = ctx.eventStore.eventId('order-id');
    const now = new Date();
    // The id carries what the order is, so a reused key with another order cannot pass for a retry
    // when the no-read append below meets the first request's event (see decideAndAppendNew).
    const id = ctx.eventStore.eventId(`order-created/${orderDigest(request.body)}`);
    await ctx.eventStore.decideAndAppendNew(
      orderStream(orderId),
      orderFold,
      (state) => decide({ type: 'CreateOrder', orderId, ...request.body, now }, state).map((event) => ({ ...event, id })),
      parseOrderEvent,
    );
    return { status: 201, body: { orderId }, headers: { location: `/orders/${orderId}` } };
  },
};

/** POST /orders/:id/cancel: 404 for an unknown order, 409 when it is already cancelled or was rejected. */
export const cancelOrderRoute: RouteDefinition<typeof CancelOrder, never, undefined> = {
  method: 'POST',
  path: '/orders/:id/cancel',
  summary: 'Cancel an order; its reserved stock is released',
  async handle(request, ctx) {
    // Order ids come from this service (UUIDs); anything else cannot name an order, and must not reach a stream name.
    const orderId = pathParam(request.params, 'id', OrderId);
    // The body is optional (a bare POST cancels), so it is validated here rather than by the route.
    const body = parseInput(CancelOrder, request.body ?? {}, 'body');
    const now = new Date();
    await ctx.eventStore.decideAndAppend(
      orderStream(orderId),
      orderFold,
      (state) => decide({ type: 'CancelOrder', orderId, ...body, now }, state),
      parseOrderEvent,
    );
    return { status: 200, body: { orderId, status: 'cancelled' } };
  },
};
