import { UsageError } from '../usage-error';
import { DEV_LAG_PER_REPLICA, DEV_MAX_REPLICAS, DEV_SCALE_DOWN_SECONDS, describeScaling, devScaling, scalingPlan } from './scaling-plan';

// As the shop's two subscription-driven functions declare themselves.
const reservation = { readModel: false };
const projector = { readModel: true };

describe('scaling in spillway dev', () => {
  test.each([
    { name: 'defaults on PGlite', flags: {}, readModel: 'pglite' as const, stock: DEV_MAX_REPLICAS, projected: 1 },
    { name: 'defaults on PostgreSQL', flags: {}, readModel: 'postgres' as const, stock: DEV_MAX_REPLICAS, projected: 2 },
    { name: '--max-replicas 5 on PGlite', flags: { maxReplicas: '5' }, readModel: 'pglite' as const, stock: 5, projected: 1 },
    { name: '--max-replicas 1 on PostgreSQL', flags: { maxReplicas: '1' }, readModel: 'postgres' as const, stock: 1, projected: 1 },
  ])('$name', ({ flags, readModel, stock, projected }) => {
    const plan = scalingPlan(flags, readModel);
    expect(devScaling(plan, reservation)).toMatchObject({ minReplicas: 1, maxReplicas: stock, lagPerReplica: DEV_LAG_PER_REPLICA });
    expect(devScaling(plan, projector).maxReplicas).toBe(projected);
    expect(devScaling(plan, projector).scaleDownStabilizationSeconds).toBe(DEV_SCALE_DOWN_SECONDS);
  });

  test.each([
    { name: '1 core', cores: 1, stock: 1 },
    { name: '2 cores', cores: 2, stock: 1 },
    { name: '3 cores', cores: 3, stock: 2 },
    { name: '16 cores', cores: 16, stock: DEV_MAX_REPLICAS },
  ])('by default one replica per core beyond the first: $name', ({ cores, stock }) => {
    expect(devScaling(scalingPlan({}, 'postgres', cores), reservation).maxReplicas).toBe(stock);
    // The flag is the user's word, whatever the cores.
    expect(devScaling(scalingPlan({ maxReplicas: '3' }, 'postgres', cores), reservation).maxReplicas).toBe(3);
  });

  test.each([
    { name: 'a cap below the ceiling narrows it', maxSubscriberCount: 2, max: 2, note: '(its subscription allows 2 consumers)' },
    { name: 'a cap of one fixes it', maxSubscriberCount: 1, max: 1, note: 'fixed at 1 (its subscription allows 1 consumer)' },
    { name: 'a cap above the ceiling changes nothing', maxSubscriberCount: 10, max: 5, note: '1-5 by lag' },
    { name: '0 is no cap', maxSubscriberCount: 0, max: 5, note: '1-5 by lag' },
  ])("a subscription's maxSubscriberCount: $name", ({ maxSubscriberCount, max, note }) => {
    const scaling = devScaling(scalingPlan({ maxReplicas: '5' }, 'postgres'), { readModel: false, maxSubscriberCount });
    expect(scaling.maxReplicas).toBe(max);
    expect(describeScaling('gift-cards', scaling, 1)).toContain(note);
  });

  test('a ceiling set by the cores says so in the banner', () => {
    const scaling = devScaling(scalingPlan({}, 'pglite', 2), reservation);
    expect(describeScaling('stock-reservation', scaling, 1)).toContain('fixed at 1 (2 cores; --max-replicas raises it)');
  });

  test('--scale-down-seconds sets every window', () => {
    const plan = scalingPlan({ scaleDownSeconds: '5' }, 'pglite');
    expect([devScaling(plan, reservation), devScaling(plan, projector)].map((s) => s.scaleDownStabilizationSeconds)).toEqual([5, 5]);
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
    expect(describeScaling('stock-reservation', devScaling(plan, reservation), 1)).toContain('1 running, 1-3 by lag');
    expect(describeScaling('order-projector', devScaling(plan, projector), 1)).toContain(
      'fixed at 1 (PGlite: one process owns its folder)',
    );
  });
});
