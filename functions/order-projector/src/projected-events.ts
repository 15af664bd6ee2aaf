import { OrderCancelled, OrderCreated, StockReleased, StockReservationRejected, StockReserved, StockRestocked } from '@spillway/contracts';

/**
 * Every event type written to `order-` and `inventory-` streams. All must be here: the
 * revision guard expects each revision of a stream, and an event the runtime acks unhandled
 * (no schema) would leave a gap that holds back the rest of its stream.
 */
export const projectedEvents = { OrderCreated, OrderCancelled, StockReserved, StockReservationRejected, StockRestocked, StockReleased };
