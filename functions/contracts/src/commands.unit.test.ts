import { CreateOrder, MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_ORDER_TOTAL } from './index';

const valid = { customerId: 'c-1', items: [{ sku: 'apple', quantity: 2, unitPrice: 1.5 }], currency: 'EUR' };

function problems(input: unknown): string[] {
  const result = CreateOrder.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('CreateOrder validation', () => {
  test('a well-formed order passes', () => {
    expect(problems(valid)).toEqual([]);
  });

  test('an order whose total is exactly the cap passes', () => {
    expect(problems({ ...valid, items: [{ sku: 'a', quantity: MAX_ORDER_TOTAL / 1_000_000, unitPrice: 1_000_000 }] })).toEqual([]);
  });

  test.each([
    { name: 'zero quantity', patch: { items: [{ sku: 'a', quantity: 0, unitPrice: 1 }] }, path: 'items.0.quantity' },
    { name: 'fractional quantity', patch: { items: [{ sku: 'a', quantity: 1.5, unitPrice: 1 }] }, path: 'items.0.quantity' },
    { name: 'negative price', patch: { items: [{ sku: 'a', quantity: 1, unitPrice: -1 }] }, path: 'items.0.unitPrice' },
    { name: 'three decimals', patch: { items: [{ sku: 'a', quantity: 1, unitPrice: 1.005 }] }, path: 'items.0.unitPrice' },
    { name: 'unknown currency', patch: { currency: 'XYZ' }, path: 'currency' },
    { name: 'lower-case currency', patch: { currency: 'eur' }, path: 'currency' },
    { name: 'no lines', patch: { items: [] }, path: 'items' },
    {
      name: 'too many lines',
      patch: { items: Array.from({ length: MAX_ORDER_LINES + 1 }, (_, i) => ({ sku: `s${i}`, quantity: 1, unitPrice: 1 })) },
      path: 'items',
    },
    { name: 'sku unfit for a stream name', patch: { items: [{ sku: 'a b/c', quantity: 1, unitPrice: 1 }] }, path: 'items.0.sku' },
    {
      name: 'duplicate sku',
      patch: {
        items: [
          { sku: 'a', quantity: 1, unitPrice: 1 },
          { sku: 'a', quantity: 2, unitPrice: 1 },
        ],
      },
      path: 'items.1.sku',
    },
    { name: 'empty customer', patch: { customerId: ' ' }, path: 'customerId' },
    {
      name: 'a total beyond what is stored exactly',
      patch: {
        items: Array.from({ length: MAX_ORDER_LINES }, (_, i) => ({ sku: `s${i}`, quantity: MAX_LINE_QUANTITY, unitPrice: 1_000_000 })),
      },
      path: 'items',
    },
    { name: 'customer with a NUL byte', patch: { customerId: 'c\u00001' }, path: 'customerId' },
    { name: 'customer with a line break', patch: { customerId: 'c\n1' }, path: 'customerId' },
  ])('$name is refused at $path', ({ patch, path }) => {
    expect(problems({ ...valid, ...patch })).toEqual([path]);
  });

  test('every bad field is named at once', () => {
    expect(problems({ customerId: '', items: [{ sku: 'a', quantity: -1, unitPrice: 0.001 }], currency: 'ZZZ' }).sort()).toEqual(
      ['currency', 'customerId', 'items.0.quantity', 'items.0.unitPrice'].sort(),
    );
  });
});
