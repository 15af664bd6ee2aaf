import { createMetrics, type MetricsLabels } from './metrics';

async function labelsOf(fn: string, labels?: MetricsLabels): Promise<Record<string, string | number>> {
  const metrics = createMetrics(fn, labels);
  metrics.httpRequests.inc({ method: 'GET', route: '/x', status: '200' });
  const [json] = await metrics.registry.getMetricsAsJSON().then((all) => all.filter((m) => m.name === 'spillway_http_requests_total'));
  const { method: _m, route: _r, status: _s, ...defaults } = (json?.values[0]?.labels ?? {}) as Record<string, string | number>;
  return defaults;
}

describe('createMetrics default labels', () => {
  test.each([
    { name: 'a function without subscription or namespace', labels: undefined, expected: { fn: 'order-create' } },
    { name: 'a subscribed function', labels: { group: 'projector' }, expected: { fn: 'order-create', group: 'projector' } },
    {
      name: 'a function in a namespace (POD_NAMESPACE set)',
      labels: { group: 'projector', namespace: 'shop-staging' },
      expected: { fn: 'order-create', group: 'projector', namespace: 'shop-staging' },
    },
    {
      name: 'a function with a namespace but no subscription',
      labels: { namespace: 'shop' },
      expected: { fn: 'order-create', namespace: 'shop' },
    },
  ])('$name', async ({ labels, expected }) => {
    expect(await labelsOf('order-create', labels)).toEqual(expected);
  });

  test('the namespace reaches the default metrics of the process too', async () => {
    const metrics = createMetrics('order-create', { namespace: 'shop' });
    expect(await metrics.registry.metrics()).toMatch(/^process_cpu_user_seconds_total\{fn="order-create",namespace="shop"\} /m);
  });
});

describe('subscription series', () => {
  const subscriptionSeries = /^spillway_(subscription_live|subscription_reconnects_total|events_in_flight|events_waiting_retry)\b/m;

  test('a function without a subscription (HTTP only) exposes none: a constant "live 0" would read as a subscription that is down', async () => {
    expect(await createMetrics('order-create').registry.metrics()).not.toMatch(subscriptionSeries);
  });

  test('a subscribed function exposes them from the start', async () => {
    const text = await createMetrics('stock-reservation', { group: 'stock-reservation' }).registry.metrics();
    expect(text).toMatch(/^spillway_subscription_live\{fn="stock-reservation",group="stock-reservation"\} 0$/m);
    expect(text).toMatch(/^spillway_events_in_flight\{/m);
  });
});
