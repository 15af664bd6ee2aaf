import type { ScalingSpec } from '../annotations/annotations';
import { choosePolicy } from '../policy/choose-policy';
import { initialPolicyState } from '../policy/policy';
import type { Controller } from './simulate';

/** The autoscaler's loop as the simulation runs it: one reading and one decision every `intervalSeconds`, applied at once. */
export function spillwayModel(spec: ScalingSpec, intervalSeconds: number): Controller {
  const policy = choosePolicy(spec.policy);
  let state = initialPolicyState();
  return {
    name: spec.policy,
    step(second, measurement, current) {
      if (second % intervalSeconds !== 0) return undefined;
      const out = policy({ measurement, currentReplicas: current, spec, now: second * 1000 }, state);
      state = out.state;
      return out.decision.replicas;
    },
  };
}
