import { type OrderEvent, type OrderLine, orderTotal } from '@spillway/contracts';
import { BusinessRuleError, ConcurrencyError, NotFoundError } from '@spillway/runtime';

export type OrderStatus = 'pending' | 'reserved' | 'rejected' | 'cancelled';

export type OrderState =
  | { readonly status: 'none' }
  | {
      readonly status: OrderStatus;
      readonly orderId: string;
      readonly customerId: string;
      readonly items: readonly OrderLine[];
      readonly currency: string;
    };

export type OrderCommand =
  | {
      readonly type: 'CreateOrder';
      readonly orderId: string;
      readonly customerId: string;
      readonly items: readonly OrderLine[];
      readonly currency: string;
      readonly now: Date;
    }
  | { readonly type: 'CancelOrder'; readonly orderId: string; readonly reason?: string; readonly now: Date };

export function initialState(): OrderState {
  return { status: 'none' };
}

export function evolve(state: OrderState, event: OrderEvent): OrderState {
  switch (event.type) {
    case 'OrderCreated':
      return { status: 'pending', ...event.data };
    case 'StockReserved':
      return state.status === 'none' ? state : { ...state, status: 'reserved' };
    case 'StockReservationRejected':
      return state.status === 'none' ? state : { ...state, status: 'rejected' };
    case 'OrderCancelled':
      return state.status === 'none' ? state : { ...state, status: 'cancelled' };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function sameOrder(state: Exclude<OrderState, { status: 'none' }>, command: Extract<OrderCommand, { type: 'CreateOrder' }>): boolean {
  return (
    state.customerId === command.customerId &&
    state.currency === command.currency &&
    JSON.stringify(state.items.map(({ sku, quantity, unitPrice }) => [sku, quantity, unitPrice])) ===
      JSON.stringify(command.items.map(({ sku, quantity, unitPrice }) => [sku, quantity, unitPrice]))
  );
}

/** Turns a command into the events it causes; throws a typed error when it may not happen. */
export function decide(command: OrderCommand, state: OrderState): OrderEvent[] {
  switch (command.type) {
    case 'CreateOrder': {
      if (state.status !== 'none') {
        // The order id derives from the Idempotency-Key: an existing order means a retried request.
        if (sameOrder(state, command)) return [];
        throw new BusinessRuleError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different order');
      }
      const items = command.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice }));
      return [
        {
          type: 'OrderCreated',
          data: {
            orderId: command.orderId,
            customerId: command.customerId,
            items,
            totalAmount: orderTotal(items),
            currency: command.currency,
            createdAt: command.now.toISOString(),
          },
        },
      ];
    }
    case 'CancelOrder': {
      switch (state.status) {
        case 'none':
          throw new NotFoundError(`order ${command.orderId} does not exist`);
        case 'cancelled':
          throw new ConcurrencyError(`order ${command.orderId} is already cancelled`, 'ORDER_ALREADY_CANCELLED');
        case 'rejected':
          throw new ConcurrencyError(`order ${command.orderId} was rejected; there is nothing to cancel`, 'ORDER_REJECTED');
        case 'pending':
        case 'reserved': {
          const data = { orderId: command.orderId, cancelledAt: command.now.toISOString() };
          return [{ type: 'OrderCancelled', data: command.reason === undefined ? data : { ...data, reason: command.reason } }];
        }
        default: {
          const unreachable: never = state;
          return unreachable;
        }
      }
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}
