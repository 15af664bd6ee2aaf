export {
  CancelOrder,
  CreateOrder,
  CustomerId,
  MAX_LINE_QUANTITY,
  MAX_ORDER_LINES,
  MAX_ORDER_TOTAL,
  OrderId,
  OrderLine,
  Quantity,
  RestockItem,
  Sku,
} from './commands';
export type { InventoryEvent, ItemQuantity, OrderEvent } from './events';
export {
  inventoryEvents,
  OrderCancelled,
  OrderCreated,
  OrderCreatedV1,
  OrderCreatedV2,
  orderEvents,
  orderTotal,
  parseInventoryEvent,
  parseOrderEvent,
  StockReleased,
  StockReservationRejected,
  StockReserved,
  StockRestocked,
  upcastOrderCreatedV1,
} from './events';
export { CurrencyCode, fromCents, Price, toCents } from './money';
export { INVENTORY_STREAM_PREFIX, inventoryStream, ORDER_STREAM_PREFIX, orderIdOf, orderStream, skuOf } from './streams';
