import type { ScalingSpec } from '../annotations/annotations';
import { kedaModel } from './keda-model';
import { simulate, type WorkloadModel } from './simulate';
import { spillwayModel } from './spillway-model';
import { type Trace, traces } from './traces';

const model: WorkloadModel = { perReplicaRate: 20, startupSeconds: 10, maxReplicas: 20 };
const keda = () => kedaModel({ lagPerReplica: 100, activationLag: 0, minReplicas: 0, maxReplicas: 20 });
const drainSpec: ScalingSpec = {
  subscription: { kind: 'stream', stream: 's', group: 'g' },
  minReplicas: 0,
  maxReplicas: 20,
  lagPerReplica: 100,
  activationLag: 0,
  policy: 'drain-time',
  targetDrainSeconds: 30,
  scaleDownStabilizationSeconds: 60,
  cooldownSeconds: 300,
};

describe('the autoscaling simulation', () => {
  test('is deterministic: the same trace and controller give the same figures', () => {
    const trace = traces.find((t) => t.name === 'spike')!;
    expect(simulate(trace, keda(), model)).toEqual(simulate(trace, keda(), model));
  });

  test('the KEDA model activates only at a 30 s poll, and only the HPA scales beyond one', () => {
    const burst: Trace = { name: 'burst', seconds: 40, rate: (t) => (t === 1 ? 1000 : 0) };
    const decisions: [number, number][] = [];
    const controller = keda();
    simulate(
      burst,
      {
        name: 'spy',
        step(second, m, current) {
          const wanted = controller.step(second, m, current);
          if (wanted !== undefined && wanted !== current) decisions.push([second, wanted]);
          return wanted;
        },
      },
      model,
    );
    // The burst lands at 1 s; the HPA does not run at zero replicas, so nothing moves before the 30 s poll.
    expect(decisions[0]).toEqual([30, 1]);
  });

  test.each(traces.map((t) => [t.name, t] as const))('on %s the drain-time policy has less lag than the KEDA model', (_name, trace) => {
    const k = simulate(trace, keda(), model);
    const d = simulate(trace, spillwayModel(drainSpec, 2), model);
    expect(d.lagSeconds).toBeLessThan(k.lagSeconds);
    expect(d.peakLag).toBeLessThan(k.peakLag);
  });

  test('no replicas, no processing: the backlog is the sum of arrivals', () => {
    const flat: Trace = { name: 'flat', seconds: 10, rate: () => 5 };
    const result = simulate(flat, { name: 'none', step: () => undefined }, model);
    expect(result.peakLag).toBe(50);
    expect(result.replicaSeconds).toBe(0);
    expect(result.scalingActions).toBe(0);
  });
});
