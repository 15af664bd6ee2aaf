/** Stream names of the shop; the prefixes are what subscriptions filter on. */
export const ORDER_STREAM_PREFIX = 'order-';
export const INVENTORY_STREAM_PREFIX = 'inventory-';

export function orderStream(orderId: string): string {
  return `${ORDER_STREAM_PREFIX}${orderId}`;
}

export function inventoryStream(sku: string): string {
  return `${INVENTORY_STREAM_PREFIX}${sku}`;
}

/** The order id of an `order-<id>` stream, or undefined for any other stream. */
export function orderIdOf(streamId: string): string | undefined {
  return streamId.startsWith(ORDER_STREAM_PREFIX) ? streamId.slice(ORDER_STREAM_PREFIX.length) : undefined;
}

/** The SKU of an `inventory-<sku>` stream, or undefined for any other stream. */
export function skuOf(streamId: string): string | undefined {
  return streamId.startsWith(INVENTORY_STREAM_PREFIX) ? streamId.slice(INVENTORY_STREAM_PREFIX.length) : undefined;
}
