import type { OrderEvent } from '@spillway/contracts';
import { BusinessRuleError, ConcurrencyError, deciderSpec, NotFoundError } from '@spillway/runtime';
import { decide, evolve, initialState, type OrderCommand } from './decider';

const now = new Date('2026-03-01T10:00:00.000Z');
const items = [
  { sku: 'apple', quantity: 3, unitPrice: 0.1 },
  { sku: 'pear', quantity: 1, unitPrice: 2.5 },
];
const created: OrderEvent = {
  type: 'OrderCreated',
  data: { orderId: 'o-1', customerId: 'c-1', items, totalAmount: 2.8, currency: 'EUR', createdAt: now.toISOString() },
};
const create: OrderCommand = { type: 'CreateOrder', orderId: 'o-1', customerId: 'c-1', items, currency: 'EUR', now };
const cancel: OrderCommand = { type: 'CancelOrder', orderId: 'o-1', reason: 'changed my mind', now };

const { given } = deciderSpec({ decide, evolve, initialState });

describe('order decider', () => {
  test('CreateOrder on a new stream -> OrderCreated with the total computed here', () => {
    given([]).when(create).then([created]);
  });

  test('CreateOrder again with the same content (a retried request) -> nothing', () => {
    given([created]).when(create).then([]);
  });

  test('CreateOrder again with other content under the same key -> 422 IDEMPOTENCY_KEY_REUSED', () => {
    given([created])
      .when({ ...create, items: [{ sku: 'apple', quantity: 4, unitPrice: 0.1 }] })
      .thenThrows(BusinessRuleError, 'IDEMPOTENCY_KEY_REUSED');
  });

  test('CancelOrder on a pending order -> OrderCancelled', () => {
    given([created])
      .when(cancel)
      .then([{ type: 'OrderCancelled', data: { orderId: 'o-1', reason: 'changed my mind', cancelledAt: now.toISOString() } }]);
  });

  test('CancelOrder on a reserved order -> OrderCancelled', () => {
    given([created, { type: 'StockReserved', data: { orderId: 'o-1', items: [{ sku: 'apple', quantity: 3 }] } }])
      .when({ type: 'CancelOrder', orderId: 'o-1', now })
      .then([{ type: 'OrderCancelled', data: { orderId: 'o-1', cancelledAt: now.toISOString() } }]);
  });

  test('CancelOrder on an unknown order -> 404', () => {
    given([]).when(cancel).thenThrows(NotFoundError, 'NOT_FOUND');
  });

  test('CancelOrder twice -> 409 ORDER_ALREADY_CANCELLED', () => {
    given([created, { type: 'OrderCancelled', data: { orderId: 'o-1', cancelledAt: now.toISOString() } }])
      .when(cancel)
      .thenThrows(ConcurrencyError, 'ORDER_ALREADY_CANCELLED');
  });

  test('CancelOrder on a rejected order -> 409 ORDER_REJECTED', () => {
    given([
      created,
      { type: 'StockReservationRejected', data: { orderId: 'o-1', reasons: [{ sku: 'apple', requested: 3, available: 0 }] } },
    ])
      .when(cancel)
      .thenThrows(ConcurrencyError, 'ORDER_REJECTED');
  });
});
