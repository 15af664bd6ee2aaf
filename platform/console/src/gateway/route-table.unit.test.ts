import { RouteConflictError, RouteTable, routesFromOpenApi } from './route-table';

const shop = new RouteTable([
  { fn: 'order-create', method: 'POST', path: '/orders' },
  { fn: 'order-create', method: 'POST', path: '/orders/{id}/cancel' },
  { fn: 'order-projector', method: 'GET', path: '/orders' },
  { fn: 'order-projector', method: 'GET', path: '/orders/{id}' },
  { fn: 'order-projector', method: 'GET', path: '/orders/latest' },
  { fn: 'stock-reservation', method: 'POST', path: '/inventory/{sku}/restock' },
]);

describe('the gateway routing table', () => {
  test.each([
    { name: 'a create', method: 'POST', path: '/orders', fn: 'order-create', params: {} },
    { name: 'a read by id', method: 'GET', path: '/orders/o-1', fn: 'order-projector', params: { id: 'o-1' } },
    { name: 'a literal beats a parameter', method: 'GET', path: '/orders/latest', fn: 'order-projector', params: {} },
    { name: 'a nested command', method: 'POST', path: '/orders/o-1/cancel', fn: 'order-create', params: { id: 'o-1' } },
    {
      name: 'a percent-encoded parameter',
      method: 'POST',
      path: '/inventory/a%20b/restock',
      fn: 'stock-reservation',
      params: { sku: 'a b' },
    },
    { name: 'a trailing slash', method: 'GET', path: '/orders/o-2/', fn: 'order-projector', params: { id: 'o-2' } },
    { name: 'HEAD as GET', method: 'HEAD', path: '/orders/o-3', fn: 'order-projector', params: { id: 'o-3' } },
  ])('$name goes to $fn', ({ method, path, fn, params }) => {
    expect(shop.match(method, path)).toMatchObject({ route: { fn }, params });
  });

  test.each([
    { name: 'an unknown path', method: 'GET', path: '/customers' },
    { name: 'another method', method: 'DELETE', path: '/orders/o-1' },
    { name: 'broken percent-encoding', method: 'GET', path: '/orders/%E0%A4%A' },
    { name: 'one segment too many', method: 'GET', path: '/orders/o-1/lines/2' },
  ])('$name matches nothing', ({ method, path }) => {
    expect(shop.match(method, path)).toBeUndefined();
  });

  test('the methods a path accepts, for a 405', () => {
    expect(shop.methodsFor('/orders')).toEqual(['GET', 'POST']);
  });

  test('the same method and path in two functions is an error naming both, whatever the parameter names', () => {
    expect(
      () =>
        new RouteTable([
          { fn: 'a', method: 'GET', path: '/orders/{id}' },
          { fn: 'b', method: 'get', path: '/orders/{orderId}' },
        ]),
    ).toThrow(new RouteConflictError('conflicting routes: GET /orders/{orderId} is declared by both a and b'));
  });

  test('routes come from an OpenAPI document, leaving out what is not an operation', () => {
    const doc = { paths: { '/orders/{id}': { get: {}, parameters: [] }, '/orders': { post: {}, get: {} } } };
    expect(routesFromOpenApi('fn', doc)).toEqual([
      { fn: 'fn', method: 'GET', path: '/orders/{id}' },
      { fn: 'fn', method: 'POST', path: '/orders' },
      { fn: 'fn', method: 'GET', path: '/orders' },
    ]);
    expect(() => routesFromOpenApi('fn', {})).toThrow("fn's /openapi.json has no paths object");
  });
});
