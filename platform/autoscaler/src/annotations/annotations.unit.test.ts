import { ANNOTATIONS, parseScalingAnnotations } from './annotations';

const sub = { [ANNOTATIONS.subscription]: 'order-stream::projector' };

describe('parseScalingAnnotations', () => {
  test('annotations under other prefixes are not ours and are ignored', () => {
    expect(parseScalingAnnotations({ ...sub, 'deployment.kubernetes.io/revision': '3', 'spillway.dev.example/x': 'y' }).kind).toBe('valid');
  });

  test('a mistyped key is reported with the keys that exist', () => {
    const parsed = parseScalingAnnotations({ ...sub, 'spillway.dev/maxReplicas': '50' });
    expect(parsed).toEqual({
      kind: 'invalid',
      problems: [{ key: 'spillway.dev/maxReplicas', message: expect.stringContaining('max-replicas') }],
    });
  });

  test('a deployment without the subscription annotation is not managed', () => {
    expect(parseScalingAnnotations({ 'spillway.dev/max-replicas': '3', other: 'x' })).toEqual({ kind: 'unmanaged' });
    expect(parseScalingAnnotations(undefined)).toEqual({ kind: 'unmanaged' });
  });

  test('defaults fill what is not declared; the window default follows the policy', () => {
    const lag = parseScalingAnnotations(sub);
    expect(lag).toEqual({
      kind: 'valid',
      spec: {
        subscription: { kind: 'stream', stream: 'order-stream', group: 'projector' },
        minReplicas: 0,
        maxReplicas: 10,
        lagPerReplica: 100,
        activationLag: 0,
        policy: 'lag',
        targetDrainSeconds: 60,
        scaleDownStabilizationSeconds: 300,
        cooldownSeconds: 300,
      },
    });
    const drain = parseScalingAnnotations({ ...sub, [ANNOTATIONS.policy]: 'drain-time' });
    expect(drain.kind === 'valid' && drain.spec.scaleDownStabilizationSeconds).toBe(60);
  });

  test('every annotation is read', () => {
    const parsed = parseScalingAnnotations({
      [ANNOTATIONS.subscription]: '$all::stock-reservation',
      [ANNOTATIONS.minReplicas]: '1',
      [ANNOTATIONS.maxReplicas]: '8',
      [ANNOTATIONS.lagPerReplica]: '250',
      [ANNOTATIONS.activationLag]: '5',
      [ANNOTATIONS.policy]: 'drain-time',
      [ANNOTATIONS.targetDrainSeconds]: '30',
      [ANNOTATIONS.scaleDownStabilizationSeconds]: '120',
      [ANNOTATIONS.cooldownSeconds]: '600',
      [ANNOTATIONS.fallbackReplicas]: '2',
      [ANNOTATIONS.streamPrefixes]: 'order-, payment-',
      [ANNOTATIONS.scaledBy]: 'keda',
    });
    expect(parsed).toEqual({
      kind: 'valid',
      spec: {
        subscription: { kind: 'all', group: 'stock-reservation' },
        filter: { streamNamePrefixes: ['order-', 'payment-'] },
        minReplicas: 1,
        maxReplicas: 8,
        lagPerReplica: 250,
        activationLag: 5,
        policy: 'drain-time',
        targetDrainSeconds: 30,
        scaleDownStabilizationSeconds: 120,
        cooldownSeconds: 600,
        fallbackReplicas: 2,
        scaledBy: 'keda',
      },
    });
  });

  test.each([
    ['a subscription without a group', { [ANNOTATIONS.subscription]: 'orders' }, ANNOTATIONS.subscription],
    ['a subscription with an empty group', { [ANNOTATIONS.subscription]: 'orders::' }, ANNOTATIONS.subscription],
    ['a non-numeric max', { ...sub, [ANNOTATIONS.maxReplicas]: 'lots' }, ANNOTATIONS.maxReplicas],
    ['a negative min', { ...sub, [ANNOTATIONS.minReplicas]: '-1' }, ANNOTATIONS.minReplicas],
    ['a zero lag-per-replica', { ...sub, [ANNOTATIONS.lagPerReplica]: '0' }, ANNOTATIONS.lagPerReplica],
    ['a fractional activation', { ...sub, [ANNOTATIONS.activationLag]: '1.5' }, ANNOTATIONS.activationLag],
    ['an unknown policy', { ...sub, [ANNOTATIONS.policy]: 'magic' }, ANNOTATIONS.policy],
    ['min above max', { ...sub, [ANNOTATIONS.minReplicas]: '5', [ANNOTATIONS.maxReplicas]: '2' }, ANNOTATIONS.minReplicas],
    ['fallback above max', { ...sub, [ANNOTATIONS.fallbackReplicas]: '50' }, ANNOTATIONS.fallbackReplicas],
    ['prefixes on a stream subscription', { ...sub, [ANNOTATIONS.streamPrefixes]: 'order-' }, ANNOTATIONS.streamPrefixes],
    ['an unknown scaled-by', { ...sub, [ANNOTATIONS.scaledBy]: 'hpa' }, ANNOTATIONS.scaledBy],
    ['a mistyped key', { ...sub, 'spillway.dev/max-replica': '50' }, 'spillway.dev/max-replica'],
  ])('rejects %s, naming the key', (_name, annotations, key) => {
    const parsed = parseScalingAnnotations(annotations);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') expect(parsed.problems.map((p) => p.key)).toContain(key);
  });
});
