import { OrderCancelled, OrderCreated, StockReleased, StockReservationRejected, StockReserved, StockRestocked } from '@spillway/contracts';

/**
 * Every event type written to `order-` and `inventory-` streams that the read model shows. The
 * revision guard expects each revision of a stream: a type missing here, or an invalid payload, goes
 * to the `skip` hook, which claims its revision with no change (see handlers.ts).
 */
export const projectedEvents = { OrderCreated, OrderCancelled, StockReserved, StockReservationRejected, StockRestocked, StockReleased };
