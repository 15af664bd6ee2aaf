import { UsageError } from '../usage-error';
import { DEV_LAG_PER_REPLICA, DEV_MAX_REPLICAS, DEV_SCALE_DOWN_SECONDS, describeScaling, scalingPlan } from './scaling-plan';

describe('scalingPlan (spillway dev)', () => {
  test.each([
    { name: 'defaults on PGlite', flags: {}, readModel: 'pglite' as const, stock: DEV_MAX_REPLICAS, projector: 1 },
    { name: 'defaults on PostgreSQL', flags: {}, readModel: 'postgres' as const, stock: DEV_MAX_REPLICAS, projector: 2 },
    { name: '--max-replicas 5 on PGlite', flags: { maxReplicas: '5' }, readModel: 'pglite' as const, stock: 5, projector: 1 },
    { name: '--max-replicas 1 on PostgreSQL', flags: { maxReplicas: '1' }, readModel: 'postgres' as const, stock: 1, projector: 1 },
  ])('$name', ({ flags, readModel, stock, projector }) => {
    const plan = scalingPlan(flags, readModel);
    expect(plan['stock-reservation']).toMatchObject({ minReplicas: 1, maxReplicas: stock, lagPerReplica: DEV_LAG_PER_REPLICA });
    expect(plan['order-projector'].maxReplicas).toBe(projector);
    expect(plan['order-projector'].scaleDownStabilizationSeconds).toBe(DEV_SCALE_DOWN_SECONDS);
  });

  test.each([
    { name: '1 core', cores: 1, stock: 1 },
    { name: '2 cores', cores: 2, stock: 1 },
    { name: '3 cores', cores: 3, stock: 2 },
    { name: '16 cores', cores: 16, stock: DEV_MAX_REPLICAS },
  ])('by default one replica per core beyond the first: $name', ({ cores, stock }) => {
    expect(scalingPlan({}, 'postgres', cores)['stock-reservation'].maxReplicas).toBe(stock);
    // The flag is the user's word, whatever the cores.
    expect(scalingPlan({ maxReplicas: '3' }, 'postgres', cores)['stock-reservation'].maxReplicas).toBe(3);
  });

  test('a ceiling set by the cores says so in the banner', () => {
    const plan = scalingPlan({}, 'pglite', 2);
    expect(describeScaling('stock-reservation', plan['stock-reservation'], 1)).toContain('fixed at 1 (2 cores; --max-replicas raises it)');
  });

  test('--scale-down-seconds sets both windows', () => {
    const plan = scalingPlan({ scaleDownSeconds: '5' }, 'pglite');
    expect([plan['stock-reservation'].scaleDownStabilizationSeconds, plan['order-projector'].scaleDownStabilizationSeconds]).toEqual([
      5, 5,
    ]);
  });

  test.each([
    { name: 'no replicas', flags: { maxReplicas: '0' } },
    { name: 'not a number', flags: { maxReplicas: 'three' } },
    { name: 'a fraction', flags: { maxReplicas: '1.5' } },
    { name: 'a negative window', flags: { scaleDownSeconds: '-1' } },
  ])('a bad flag is a usage error: $name', ({ flags }) => {
    expect(() => scalingPlan(flags, 'pglite')).toThrow(UsageError);
  });

  test('the banner names the range, or the fixed count and why', () => {
    const plan = scalingPlan({}, 'pglite');
    expect(describeScaling('stock-reservation', plan['stock-reservation'], 1)).toContain('1 running, 1-3 by lag');
    expect(describeScaling('order-projector', plan['order-projector'], 1)).toContain('fixed at 1 (PGlite: one process owns its folder)');
  });
});
