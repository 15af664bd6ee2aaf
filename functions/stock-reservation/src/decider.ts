import type { InventoryEvent } from '@spillway/contracts';
import { BusinessRuleError } from '@spillway/runtime';

/** One order's hold on this SKU; a released hold never comes back (redelivery must not re-reserve). */
interface Hold {
  readonly quantity: number;
  readonly released: boolean;
}

/**
 * The state of one `inventory-<sku>` stream. `holds` grows with every order the SKU has seen, so
 * `evolve` adds to it in place instead of copying it (a copy per event made folding a hot SKU
 * quadratic): a state is used once, by the fold that produced it, and the previous one is not
 * looked at again.
 */
export interface InventoryState {
  readonly onHand: number;
  readonly reserved: number;
  readonly holds: Map<string, Hold>;
}

export type InventoryCommand =
  | { readonly type: 'RestockItem'; readonly sku: string; readonly quantity: number; readonly now: Date }
  | { readonly type: 'ReserveStock'; readonly sku: string; readonly orderId: string; readonly quantity: number }
  | { readonly type: 'ReleaseStock'; readonly sku: string; readonly orderId: string };

/** 422 from ReserveStock: the SKU cannot cover the order line. Carries what the rejection reports. */
export class InsufficientStockError extends BusinessRuleError {
  constructor(
    readonly sku: string,
    readonly requested: number,
    readonly available: number,
  ) {
    super('INSUFFICIENT_STOCK', `sku ${sku}: requested ${requested}, available ${available}`);
  }
}

export function initialState(): InventoryState {
  return { onHand: 0, reserved: 0, holds: new Map() };
}

export function available(state: InventoryState): number {
  return state.onHand - state.reserved;
}

function quantityOf(items: readonly { sku: string; quantity: number }[]): number {
  return items.reduce((sum, item) => sum + item.quantity, 0);
}

export function evolve(state: InventoryState, event: InventoryEvent): InventoryState {
  switch (event.type) {
    case 'StockRestocked':
      return { ...state, onHand: state.onHand + event.data.quantity };
    case 'StockReserved': {
      const quantity = quantityOf(event.data.items);
      state.holds.set(event.data.orderId, { quantity, released: false });
      return { ...state, reserved: state.reserved + quantity };
    }
    case 'StockReleased': {
      const quantity = quantityOf(event.data.items);
      state.holds.set(event.data.orderId, { quantity, released: true });
      return { ...state, reserved: state.reserved - quantity };
    }
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export function decide(command: InventoryCommand, state: InventoryState): InventoryEvent[] {
  switch (command.type) {
    case 'RestockItem':
      return [{ type: 'StockRestocked', data: { sku: command.sku, quantity: command.quantity, restockedAt: command.now.toISOString() } }];
    case 'ReserveStock': {
      // Held already (a redelivery), or held and given back: either way this order is done with this SKU.
      if (state.holds.has(command.orderId)) return [];
      if (available(state) < command.quantity) throw new InsufficientStockError(command.sku, command.quantity, available(state));
      return [{ type: 'StockReserved', data: { orderId: command.orderId, items: [{ sku: command.sku, quantity: command.quantity }] } }];
    }
    case 'ReleaseStock': {
      const hold = state.holds.get(command.orderId);
      if (!hold || hold.released) return [];
      return [{ type: 'StockReleased', data: { orderId: command.orderId, items: [{ sku: command.sku, quantity: hold.quantity }] } }];
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}
