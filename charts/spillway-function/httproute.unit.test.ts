import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { FUNCTION_CHART, removeScratchDir, renderChart, renderChartError, UMBRELLA_CHART, type Values } from '../test-kit/helm';
import { type Manifest, only, validateManifest } from '../test-kit/manifests';

afterAll(removeScratchDir);

const ESDB = 'esdb://eventstoredb:2113?tls=false';
const PARENT = { name: 'shop-gateway', namespace: 'gateways', sectionName: 'http' };
const ROUTED: Values = { httpRoute: { enabled: true, parentRefs: [PARENT] } };

function render(fn: string, values: Values = {}): Manifest[] {
  return renderChart(
    FUNCTION_CHART,
    { function: fn, eventStore: { connectionString: ESDB }, auth: 'none', ...values },
    { release: 'shop' },
  );
}

const matches = (route: IHTTPRoute) => route.spec?.rules?.flatMap((rule) => rule.matches ?? []);

describe('the Gateway API HTTPRoute of a function', () => {
  test('off by default', () => {
    expect(render('order-create').filter((m) => m.kind === 'HTTPRoute')).toEqual([]);
  });

  test("from the function's generated routes: one method + path match per route, valid against the HTTPRoute schema", () => {
    const manifest = only(render('order-create', ROUTED), 'HTTPRoute');
    validateManifest(manifest);
    const route = manifest as unknown as IHTTPRoute;
    expect(route.spec?.parentRefs).toEqual([PARENT]);
    expect(matches(route)).toEqual([
      { method: 'POST', path: { type: 'Exact', value: '/orders' } },
      { method: 'POST', path: { type: 'RegularExpression', value: '^/orders/[^/]+/cancel$' } },
    ]);
    expect(route.spec?.rules?.[0]?.backendRefs).toEqual([{ name: 'shop-order-create', port: 80 }]);
  });

  test('routes and hostnames given as values win over the generated ones', () => {
    const route = only(
      render('order-create', {
        httpRoute: {
          enabled: true,
          parentRefs: [PARENT],
          hostnames: ['shop.example.com'],
          routes: [{ method: 'GET', path: '/things/{id}' }],
        },
      }),
      'HTTPRoute',
    ) as unknown as IHTTPRoute;
    expect(route.spec?.hostnames).toEqual(['shop.example.com']);
    expect(matches(route)).toEqual([{ method: 'GET', path: { type: 'RegularExpression', value: '^/things/[^/]+$' } }]);
  });

  test.each([
    {
      name: 'no parentRefs',
      fn: 'order-create',
      values: { httpRoute: { enabled: true } },
      message: 'httpRoute.enabled needs httpRoute.parentRefs',
    },
    { name: 'a function with no routes', fn: 'no-such-function', values: ROUTED, message: 'no-such-function declares no routes' },
    {
      name: 'a method HTTP does not have',
      fn: 'order-create',
      values: { httpRoute: { enabled: true, parentRefs: [PARENT], routes: [{ method: 'FETCH', path: '/x' }] } },
      message: 'method',
    },
  ])('rendering fails for $name', ({ fn, values, message }) => {
    expect(renderChartError(FUNCTION_CHART, { function: fn, eventStore: { connectionString: ESDB }, auth: 'none', ...values })).toContain(
      message,
    );
  });

  test('the schema check catches an invalid HTTPRoute', () => {
    const manifest = only(render('order-create', ROUTED), 'HTTPRoute');
    const broken = { ...manifest, spec: { ...(manifest['spec'] as object), rules: [{ matches: [{ method: 'FETCH' }] }] } };
    expect(() => validateManifest(broken)).toThrow(/HTTPRoute shop-order-create is invalid/);
  });

  test('the umbrella chart renders one HTTPRoute per function, each with its own routes', () => {
    const manifests = renderChart(
      UMBRELLA_CHART,
      { 'order-create': ROUTED, 'stock-reservation': ROUTED, 'order-projector': ROUTED },
      { release: 'spillway' },
    );
    const routes = manifests.filter((m) => m.kind === 'HTTPRoute');
    for (const route of routes) validateManifest(route);
    const byName = Object.fromEntries(
      routes.map((r) => [r.metadata.name, matches(r as unknown as IHTTPRoute)?.map((m) => `${m.method} ${m.path?.value}`)]),
    );
    expect(byName).toEqual({
      'spillway-order-create': ['POST /orders', 'POST ^/orders/[^/]+/cancel$'],
      'spillway-order-projector': ['GET ^/orders/[^/]+$', 'GET /orders', 'GET ^/inventory/[^/]+$'],
      'spillway-stock-reservation': ['POST ^/inventory/[^/]+/restock$'],
    });
  });
});
