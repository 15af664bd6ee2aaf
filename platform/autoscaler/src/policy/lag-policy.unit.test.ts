import type { ScalingSpec } from '../annotations/annotations';
import type { LagMeasurement } from '../lag/lag-source';
import { ControlledLagSource } from '../test-kit/controlled-lag-source';
import { decideByLag } from './lag-policy';
import { initialPolicyState, type PolicyState } from './policy';

const spec: ScalingSpec = {
  subscription: { kind: 'stream', stream: 'orders', group: 'g' },
  minReplicas: 0,
  maxReplicas: 10,
  lagPerReplica: 100,
  activationLag: 5,
  policy: 'lag',
  targetDrainSeconds: 60,
  scaleDownStabilizationSeconds: 300,
  cooldownSeconds: 300,
};

const reading = ControlledLagSource.measurement;

const T0 = 1_000_000;
const s = (seconds: number) => T0 + seconds * 1000;

interface Row {
  readonly name: string;
  readonly lag: number;
  readonly current: number;
  readonly now?: number;
  readonly spec?: Partial<ScalingSpec>;
  readonly measurement?: Partial<LagMeasurement>;
  readonly state?: PolicyState;
  readonly expected: number;
  readonly reason?: RegExp;
}

const rows: Row[] = [
  { name: 'lag at zero replicas below activation stays at zero', lag: 5, current: 0, expected: 0, reason: /<= activation 5/ },
  {
    name: 'activation from zero takes ceil(lag / per replica)',
    lag: 250,
    current: 0,
    expected: 3,
    reason: /lag 250 \/ 100 per replica = 3/,
  },
  { name: 'activation from zero with a small lag starts one replica', lag: 6, current: 0, expected: 1 },
  { name: 'min-replicas above zero holds at zero lag', lag: 0, current: 0, spec: { minReplicas: 2 }, expected: 2 },
  { name: 'scale up at once', lag: 1200, current: 2, expected: 10 },
  { name: 'never above max-replicas', lag: 5000, current: 2, expected: 10, reason: /capped at max 10/ },
  {
    name: 'never above maxSubscriberCount',
    lag: 5000,
    current: 2,
    measurement: { maxSubscriberCount: 4 },
    expected: 4,
    reason: /maxSubscriberCount 4/,
  },
  { name: 'within the 10% tolerance nothing moves', lag: 420, current: 4, expected: 4, reason: /within 10%/ },
  {
    name: 'scale down held by the stabilization window',
    lag: 100,
    current: 6,
    now: s(100),
    state: { recommendations: [{ at: s(10), replicas: 6 }], lastActiveAt: s(100) },
    expected: 6,
    reason: /held at 6 by the 300s scale-down window/,
  },
  {
    name: 'scale down to the highest recommendation left in the window',
    lag: 100,
    current: 6,
    now: s(400),
    state: {
      recommendations: [
        { at: s(10), replicas: 6 },
        { at: s(200), replicas: 3 },
      ],
      lastActiveAt: s(399),
    },
    expected: 3,
  },
  {
    name: 'inactive but inside the cooldown keeps one replica',
    lag: 0,
    current: 2,
    now: s(100),
    state: { recommendations: [], lastActiveAt: s(0) },
    expected: 1,
  },
  {
    name: 'inactive for the cooldown scales to zero',
    lag: 3,
    current: 2,
    now: s(300),
    state: { recommendations: [{ at: s(299), replicas: 2 }], lastActiveAt: s(0) },
    expected: 0,
    reason: /cooldown 300s -> 0 replicas/,
  },
  {
    name: 'never to zero when min-replicas is set',
    lag: 0,
    current: 2,
    now: s(1000),
    spec: { minReplicas: 1, scaleDownStabilizationSeconds: 0 },
    state: { recommendations: [], lastActiveAt: s(0) },
    expected: 1,
  },
  {
    name: 'no history: the cooldown starts at the first reading',
    lag: 0,
    current: 3,
    spec: { scaleDownStabilizationSeconds: 0 },
    expected: 1,
  },
  { name: 'parked messages do not count (they are not in lag)', lag: 0, current: 0, measurement: { parked: 5000 }, expected: 0 },
];

describe('decideByLag (KEDA/HPA-compatible)', () => {
  test.each(rows.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const { decision } = decideByLag(
      { measurement: reading(row.lag, row.measurement), currentReplicas: row.current, spec: { ...spec, ...row.spec }, now: row.now ?? T0 },
      row.state ?? initialPolicyState(),
    );
    expect(decision.replicas).toBe(row.expected);
    expect(decision.reason).toMatch(new RegExp(`-> ${row.expected} replicas$|stay at ${row.expected}$`));
    if (row.reason) expect(decision.reason).toMatch(row.reason);
  });

  test('a spike then quiet: down only after the window, to zero only after the cooldown', () => {
    let state = initialPolicyState();
    let current = 0;
    const trace: number[] = [];
    for (const [second, lag] of [
      [0, 900],
      [30, 0],
      [290, 0],
      [310, 0],
      [330, 0],
    ] as const) {
      const out = decideByLag({ measurement: reading(lag), currentReplicas: current, spec, now: s(second) }, state);
      state = out.state;
      current = out.decision.replicas;
      trace.push(current);
    }
    expect(trace).toEqual([9, 9, 9, 0, 0]);
  });
});
