import { type ProjectedEvent, project, type ReadModelChange } from './decider';

const createdAt = '2026-03-01T10:00:00.000Z';

describe('projection decider', () => {
  test.each<{ name: string; event: ProjectedEvent; changes: ReadModelChange[] }>([
    {
      name: 'OrderCreated -> insert the order with its lines',
      event: {
        streamId: 'order-o1',
        type: 'OrderCreated',
        data: {
          orderId: 'o1',
          customerId: 'c',
          items: [{ sku: 'a', quantity: 2, unitPrice: 1.5 }],
          totalAmount: 3,
          currency: 'EUR',
          createdAt,
        },
      },
      changes: [
        {
          kind: 'InsertOrder',
          orderId: 'o1',
          customerId: 'c',
          items: [{ sku: 'a', quantity: 2, unitPrice: 1.5 }],
          totalAmount: 3,
          currency: 'EUR',
          createdAt,
        },
      ],
    },
    {
      name: 'StockReserved on the order stream -> status reserved',
      event: { streamId: 'order-o1', type: 'StockReserved', data: { orderId: 'o1', items: [{ sku: 'a', quantity: 2 }] } },
      changes: [{ kind: 'SetOrderStatus', orderId: 'o1', status: 'reserved' }],
    },
    {
      name: 'StockReservationRejected -> status rejected with the reasons',
      event: {
        streamId: 'order-o1',
        type: 'StockReservationRejected',
        data: { orderId: 'o1', reasons: [{ sku: 'a', requested: 2, available: 1 }] },
      },
      changes: [{ kind: 'SetOrderStatus', orderId: 'o1', status: 'rejected', reasons: [{ sku: 'a', requested: 2, available: 1 }] }],
    },
    {
      name: 'OrderCancelled -> status cancelled',
      event: { streamId: 'order-o1', type: 'OrderCancelled', data: { orderId: 'o1', cancelledAt: createdAt } },
      changes: [{ kind: 'SetOrderStatus', orderId: 'o1', status: 'cancelled' }],
    },
    {
      name: 'StockRestocked -> more on hand',
      event: { streamId: 'inventory-a', type: 'StockRestocked', data: { sku: 'a', quantity: 5, restockedAt: createdAt } },
      changes: [{ kind: 'AdjustInventory', sku: 'a', onHand: 5, reserved: 0 }],
    },
    {
      name: 'StockReserved on the inventory stream -> more reserved',
      event: { streamId: 'inventory-a', type: 'StockReserved', data: { orderId: 'o1', items: [{ sku: 'a', quantity: 2 }] } },
      changes: [{ kind: 'AdjustInventory', sku: 'a', onHand: 0, reserved: 2 }],
    },
    {
      name: 'StockReleased -> less reserved',
      event: { streamId: 'inventory-a', type: 'StockReleased', data: { orderId: 'o1', items: [{ sku: 'a', quantity: 2 }] } },
      changes: [{ kind: 'AdjustInventory', sku: 'a', onHand: 0, reserved: -2 }],
    },
    {
      name: 'an event on a stream the shop does not own -> nothing',
      event: { streamId: 'customer-c', type: 'OrderCancelled', data: { orderId: 'o1', cancelledAt: createdAt } },
      changes: [],
    },
  ])('$name', ({ event, changes }) => {
    expect(project(event)).toEqual(changes);
  });
});
