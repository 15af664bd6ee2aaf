import type { InventoryEvent, OrderEvent } from '@spillway/contracts';
import { deciderSpec } from '@spillway/runtime';
import { decide, evolve, InsufficientStockError, type InventoryCommand, initialState } from './decider';
import { decideOutcome, evolveProgress, initialProgress, type ReservationOutcome } from './order-progress';

const now = new Date('2026-03-01T10:00:00.000Z');
const restocked = (quantity: number): InventoryEvent => ({
  type: 'StockRestocked',
  data: { sku: 'apple', quantity, restockedAt: now.toISOString() },
});
const reserved = (orderId: string, quantity: number): InventoryEvent => ({
  type: 'StockReserved',
  data: { orderId, items: [{ sku: 'apple', quantity }] },
});
const released = (orderId: string, quantity: number): InventoryEvent => ({
  type: 'StockReleased',
  data: { orderId, items: [{ sku: 'apple', quantity }] },
});
const reserve = (orderId: string, quantity: number): InventoryCommand => ({ type: 'ReserveStock', sku: 'apple', orderId, quantity });
const release = (orderId: string): InventoryCommand => ({ type: 'ReleaseStock', sku: 'apple', orderId });

const { given } = deciderSpec({ decide, evolve, initialState });

describe('inventory decider', () => {
  test('RestockItem -> StockRestocked', () => {
    given([])
      .when({ type: 'RestockItem', sku: 'apple', quantity: 5, now })
      .then([restocked(5)]);
  });

  test('ReserveStock within what is available -> StockReserved', () => {
    given([restocked(5)])
      .when(reserve('o-1', 5))
      .then([reserved('o-1', 5)]);
  });

  test('ReserveStock beyond what is available -> 422 INSUFFICIENT_STOCK naming requested and available', () => {
    given([restocked(5), reserved('o-1', 4)])
      .when(reserve('o-2', 2))
      .thenThrows(InsufficientStockError, 'INSUFFICIENT_STOCK');
    const state = [restocked(5), reserved('o-1', 4)].reduce(evolve, initialState());
    expect(() => decide(reserve('o-2', 2), state)).toThrow(
      expect.objectContaining({ status: 422, sku: 'apple', requested: 2, available: 1 }),
    );
  });

  test('ReserveStock for an order that already holds stock (redelivery) -> nothing', () => {
    given([restocked(5), reserved('o-1', 2)])
      .when(reserve('o-1', 2))
      .then([]);
  });

  test('ReserveStock for an order whose hold was released -> nothing, never reserved twice', () => {
    given([restocked(5), reserved('o-1', 2), released('o-1', 2)])
      .when(reserve('o-1', 2))
      .then([]);
  });

  test('released stock is available again', () => {
    given([restocked(2), reserved('o-1', 2), released('o-1', 2)])
      .when(reserve('o-2', 2))
      .then([reserved('o-2', 2)]);
  });

  test('ReleaseStock of a held order -> StockReleased with the held quantity', () => {
    given([restocked(5), reserved('o-1', 3)])
      .when(release('o-1'))
      .then([released('o-1', 3)]);
  });

  test('ReleaseStock twice -> nothing the second time', () => {
    given([restocked(5), reserved('o-1', 3), released('o-1', 3)])
      .when(release('o-1'))
      .then([]);
  });

  test('ReleaseStock of an order that holds nothing here -> nothing', () => {
    given([restocked(5)])
      .when(release('o-9'))
      .then([]);
  });
});

describe('reservation outcome on the order stream', () => {
  const created: OrderEvent = {
    type: 'OrderCreated',
    data: {
      orderId: 'o-1',
      customerId: 'c',
      items: [{ sku: 'apple', quantity: 1, unitPrice: 1 }],
      totalAmount: 1,
      currency: 'EUR',
      createdAt: now.toISOString(),
    },
  };
  const outcome: ReservationOutcome = { type: 'StockReserved', data: { orderId: 'o-1', items: [{ sku: 'apple', quantity: 1 }] } };

  test.each<{ name: string; events: OrderEvent[]; expected: OrderEvent[] }>([
    { name: 'pending order -> the outcome', events: [created], expected: [outcome] },
    {
      name: 'order cancelled meanwhile -> nothing',
      events: [created, { type: 'OrderCancelled', data: { orderId: 'o-1', cancelledAt: now.toISOString() } }],
      expected: [],
    },
    { name: 'outcome already written (redelivery) -> nothing', events: [created, outcome], expected: [] },
    { name: 'a duplicate OrderCreated does not reopen a settled order -> nothing', events: [created, outcome, created], expected: [] },
  ])('$name', ({ events, expected }) => {
    expect(decideOutcome(outcome, events.reduce(evolveProgress, initialProgress()))).toEqual(expected);
  });
});
