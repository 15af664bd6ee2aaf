import { OrderCreated, orderTotal, parseOrderEvent } from './index';

const createdAt = '2026-01-02T03:04:05.000Z';

describe('OrderCreated schema evolution', () => {
  test('a v1 event from the first release loads as v2 through the upcaster', () => {
    const v1 = { orderId: 'o-1', customerId: 'c-1', lines: [{ sku: 'apple', qty: 3, price: 0.1 }], total: 0.3, createdAt };
    expect(OrderCreated.parse(v1)).toEqual({
      orderId: 'o-1',
      customerId: 'c-1',
      items: [{ sku: 'apple', quantity: 3, unitPrice: 0.1 }],
      totalAmount: 0.3,
      currency: 'EUR',
      createdAt,
    });
  });

  test('a v2 event loads unchanged', () => {
    const v2 = {
      orderId: 'o-2',
      customerId: 'c-1',
      items: [{ sku: 'pear', quantity: 2, unitPrice: 1.25 }],
      totalAmount: 2.5,
      currency: 'USD',
      createdAt,
    };
    expect(OrderCreated.parse(v2)).toEqual(v2);
  });

  test('parseOrderEvent upcasts stored v1 data read back from a stream', () => {
    const stored = JSON.parse(
      JSON.stringify({ orderId: 'o-3', customerId: 'c', lines: [{ sku: 'a', qty: 1, price: 2 }], total: 2, createdAt }),
    );
    const event = parseOrderEvent('OrderCreated', stored);
    expect(event?.type).toBe('OrderCreated');
    expect(event?.type === 'OrderCreated' && event.data.currency).toBe('EUR');
  });

  test('data matching neither shape is refused, naming the event', () => {
    expect(() => parseOrderEvent('OrderCreated', { orderId: 'x' })).toThrow(/order event OrderCreated/);
  });

  test('an event type the contract does not know is skipped, not an error', () => {
    expect(parseOrderEvent('SomethingNew', {})).toBeUndefined();
  });
});

describe('orderTotal', () => {
  test.each([
    {
      name: 'sums in cents, no float drift',
      items: [
        { quantity: 1, unitPrice: 0.1 },
        { quantity: 1, unitPrice: 0.2 },
      ],
      total: 0.3,
    },
    { name: 'multiplies quantity', items: [{ quantity: 3, unitPrice: 19.99 }], total: 59.97 },
    { name: 'free items', items: [{ quantity: 5, unitPrice: 0 }], total: 0 },
  ])('$name', ({ items, total }) => {
    expect(orderTotal(items)).toBe(total);
  });
});
