import { createMetrics, type MetricsLabels } from './metrics';

async function labelsOf(fn: string, labels?: MetricsLabels): Promise<Record<string, string | number>> {
  const metrics = createMetrics(fn, labels);
  metrics.reconnects.inc();
  const [json] = await metrics.registry
    .getMetricsAsJSON()
    .then((all) => all.filter((m) => m.name === 'spillway_subscription_reconnects_total'));
  return (json?.values[0]?.labels ?? {}) as Record<string, string | number>;
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
