import type { ScalingSpec } from '../annotations/annotations';
import type { LagMeasurement } from '../lag/lag-source';
import { ControlledLagSource } from '../test-kit/controlled-lag-source';
import { decideByDrainTime } from './drain-time-policy';
import { initialPolicyState, type PolicyState } from './policy';

const spec: ScalingSpec = {
  subscription: { kind: 'all', group: 'g' },
  minReplicas: 0,
  maxReplicas: 20,
  lagPerReplica: 100,
  activationLag: 0,
  policy: 'drain-time',
  targetDrainSeconds: 50,
  scaleDownStabilizationSeconds: 60,
  cooldownSeconds: 120,
};

const reading = ControlledLagSource.measurement;

const T0 = 5_000_000;
const s = (seconds: number) => T0 + seconds * 1000;

interface Row {
  readonly name: string;
  readonly measurement: LagMeasurement;
  readonly current: number;
  readonly now?: number;
  readonly spec?: Partial<ScalingSpec>;
  readonly state?: PolicyState;
  readonly expected: number;
  readonly reason?: RegExp;
}

const rows: Row[] = [
  { name: 'no lag at zero replicas stays at zero', measurement: reading(0), current: 0, expected: 0 },
  {
    name: 'before any capacity is measured it sizes by lag / lag-per-replica',
    measurement: reading(500),
    current: 0,
    expected: 5,
    reason: /capacity not measured yet: 500 \/ 100 per replica = 5/,
  },
  {
    name: 'a measured capacity replaces the prior',
    measurement: reading(1000),
    current: 2,
    state: { recommendations: [], capacityPerReplica: 10, arrivalRate: 0 },
    // 1000 / 50 = 20/s at 10/s per replica -> 2
    expected: 2,
  },
  {
    name: 'arrivals add to what draining needs',
    measurement: reading(1000),
    current: 2,
    state: { recommendations: [], capacityPerReplica: 10, arrivalRate: 35 },
    // (20 + 35) / 10 -> 6
    expected: 6,
    reason: /arriving 35\.0\/s/,
  },
  {
    name: 'rates come from successive readings: backlog growth plus processed',
    measurement: reading(600, { processedTotal: 1200 }),
    current: 4,
    now: s(10),
    // previous reading 10 s ago: lag 400, processed 800, 4 busy replicas.
    // processed 400 in 10 s by 4 replicas -> 10/s each; arrived 200 + 400 = 600 -> 60/s.
    // (600 / 50 + 60) / 10 = 7.2 -> 8
    state: { recommendations: [], previous: { at: s(0), lag: 400, processedTotal: 800, workers: 4 } },
    expected: 8,
    reason: /arriving 60\.0\/s, 10\.0\/s per replica/,
  },
  {
    name: 'connected consumers, not starting replicas, divide what was processed',
    measurement: reading(600, { processedTotal: 1200, consumers: 2 }),
    current: 4,
    now: s(10),
    // 2 of 4 replicas connected: 400 in 10 s by 2 -> 20/s each; arrived 600 -> 60/s; (12 + 60) / 20 = 3.6 -> 4
    state: { recommendations: [], previous: { at: s(0), lag: 400, processedTotal: 800, workers: 2 } },
    expected: 4,
    reason: /20\.0\/s per replica/,
  },
  {
    name: 'replicas that keep up raise a too-low capacity estimate (what they did is a floor)',
    measurement: reading(0, { processedTotal: 3000 }),
    current: 6,
    now: s(10),
    // 6 replicas processed 300/s = 50/s each while estimated at 10/s; arrivals 300/s -> 6
    state: { recommendations: [], capacityPerReplica: 10, arrivalRate: 300, previous: { at: s(0), lag: 0, processedTotal: 0, workers: 6 } },
    expected: 6,
    reason: /50\.0\/s per replica/,
  },
  {
    name: 'a steady trickle with zero lag at each reading is not idle',
    measurement: reading(0, { processedTotal: 1100 }),
    current: 1,
    now: s(1000),
    state: {
      recommendations: [],
      idleSince: s(0),
      capacityPerReplica: 10,
      previous: { at: s(998), lag: 0, processedTotal: 1080, workers: 1 },
    },
    expected: 1,
  },
  {
    name: 'a server restart (processed count going down) gives no capacity sample',
    measurement: reading(600, { processedTotal: 5 }),
    current: 4,
    now: s(10),
    state: { recommendations: [], capacityPerReplica: 10, previous: { at: s(0), lag: 400, processedTotal: 800, workers: 4 } },
    // arrived >= 200 -> 20/s; (12 + 20) / 10 -> 4
    expected: 4,
    reason: /10\.0\/s per replica/,
  },
  {
    name: 'never above maxSubscriberCount',
    measurement: reading(100_000, { maxSubscriberCount: 3 }),
    current: 1,
    expected: 3,
    reason: /capped at maxSubscriberCount 3/,
  },
  {
    name: 'scale down held by the stabilization window',
    measurement: reading(10),
    current: 8,
    now: s(30),
    state: { recommendations: [{ at: s(0), replicas: 8 }], capacityPerReplica: 10, arrivalRate: 0 },
    expected: 8,
    reason: /held at 8 by the 60s scale-down window/,
  },
  {
    name: 'lag zero but still in flight: not idle, keeps one replica',
    measurement: reading(0, { inFlight: 3, caughtUp: false }),
    current: 2,
    now: s(1000),
    state: { recommendations: [], idleSince: s(0), capacityPerReplica: 10, arrivalRate: 0 },
    expected: 1,
  },
  {
    name: 'retry buffer not empty: not idle',
    measurement: reading(0, { retryBuffer: 2 }),
    current: 1,
    now: s(1000),
    state: { recommendations: [], idleSince: s(0), capacityPerReplica: 10, arrivalRate: 0 },
    expected: 1,
  },
  {
    name: 'checkpoint behind: not idle',
    measurement: reading(0, { caughtUp: false }),
    current: 1,
    now: s(1000),
    state: { recommendations: [], idleSince: s(0), capacityPerReplica: 10, arrivalRate: 0 },
    expected: 1,
  },
  {
    name: 'idle but not yet for the cooldown keeps one replica',
    measurement: reading(0),
    current: 1,
    now: s(100),
    state: { recommendations: [], idleSince: s(0), capacityPerReplica: 10, arrivalRate: 0 },
    expected: 1,
  },
  {
    name: 'idle for the cooldown scales to zero',
    measurement: reading(0),
    current: 1,
    now: s(120),
    state: { recommendations: [], idleSince: s(0), capacityPerReplica: 10, arrivalRate: 0 },
    expected: 0,
    reason: /cooldown 120s -> 0 replicas/,
  },
  {
    name: 'parked messages alone do not activate',
    measurement: reading(0, { parked: 10_000 }),
    current: 0,
    expected: 0,
  },
];

describe('decideByDrainTime', () => {
  test.each(rows.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const { decision } = decideByDrainTime(
      { measurement: row.measurement, currentReplicas: row.current, spec: { ...spec, ...row.spec }, now: row.now ?? T0 },
      row.state ?? initialPolicyState(),
    );
    expect(decision.replicas).toBe(row.expected);
    if (row.reason) expect(decision.reason).toMatch(row.reason);
  });

  test('idle time is counted from the first idle reading, not from the last busy one', () => {
    let state = initialPolicyState();
    const decide = (lag: number, second: number, current: number) => {
      const out = decideByDrainTime({ measurement: reading(lag), currentReplicas: current, spec, now: s(second) }, state);
      state = out.state;
      return out.decision.replicas;
    };
    expect(decide(50, 0, 1)).toBeGreaterThanOrEqual(1);
    expect(decide(0, 100, 1)).toBe(1);
    expect(decide(0, 200, 1)).toBe(1); // idle for 100 s < 120 s
    expect(decide(0, 220, 1)).toBe(0);
  });
});
