import type { ScalingSpec } from '../annotations/annotations';
import { decideOnFailure } from './fallback';

const spec: ScalingSpec = {
  subscription: { kind: 'stream', stream: 's', group: 'g' },
  minReplicas: 0,
  maxReplicas: 10,
  lagPerReplica: 100,
  activationLag: 0,
  policy: 'lag',
  targetDrainSeconds: 60,
  scaleDownStabilizationSeconds: 300,
  cooldownSeconds: 300,
};

describe('decideOnFailure', () => {
  test.each([
    ['first failure holds the current replicas', 1, 4, { fallbackReplicas: 2 }, 4],
    ['failures below the threshold hold', 2, 4, { fallbackReplicas: 2 }, 4],
    ['at the threshold the fallback applies', 3, 4, { fallbackReplicas: 2 }, 2],
    ['fallback can start replicas from zero', 5, 0, { fallbackReplicas: 1 }, 1],
    ['without fallback-replicas it holds for ever', 50, 4, {}, 4],
  ])('%s', (_name, failures, current, overrides, expected) => {
    expect(decideOnFailure(failures, current, { ...spec, ...overrides }, 3).replicas).toBe(expected);
  });
});
