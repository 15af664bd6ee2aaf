import { type Policy, type PolicyState, stabilize, upperBound } from './policy';

/** The HPA leaves replicas alone while usage is within 10 % of the target. */
export const HPA_TOLERANCE = 0.1;

/**
 * KEDA/HPA-compatible: desired = ceil(lag / lagPerReplica) within [min, max]. KEDA's activation
 * decides 0 <-> 1 (active while lag > activationLag; back to zero after cooldownSeconds inactive);
 * the HPA's rules decide 1..max (10 % tolerance, scale up at once, scale down through the
 * stabilization window).
 */
export const decideByLag: Policy = (input, state) => {
  const { measurement, currentReplicas: current, spec, now } = input;
  const { lag } = measurement;
  const active = lag > spec.activationLag;
  // Before our first reading we cannot know when the workload was last busy: start its cooldown now.
  const lastActiveAt = active ? now : (state.lastActiveAt ?? now);
  const base: PolicyState = { ...state, lastActiveAt };
  const upper = upperBound(input);

  if (!active) {
    if (current === 0) {
      const replicas = Math.min(spec.minReplicas, upper.limit);
      return { decision: { replicas, reason: `lag ${lag} <= activation ${spec.activationLag}: stay at ${replicas}` }, state: base };
    }
    const idleFor = (now - lastActiveAt) / 1000;
    if (spec.minReplicas === 0 && idleFor >= spec.cooldownSeconds) {
      return {
        decision: {
          replicas: 0,
          reason: `lag ${lag} <= activation ${spec.activationLag} for ${idleFor}s >= cooldown ${spec.cooldownSeconds}s -> 0 replicas`,
        },
        state: { ...base, recommendations: [] },
      };
    }
  }

  const raw = Math.ceil(lag / spec.lagPerReplica);
  // While the workload runs, KEDA's HPA keeps at least one replica; zero is activation's business.
  const lower = Math.max(spec.minReplicas, 1);
  let target = Math.min(Math.max(raw, lower), upper.limit);
  let why = `lag ${lag} / ${spec.lagPerReplica} per replica = ${raw}`;
  if (raw > upper.limit) why += `, capped at ${upper.why}`;
  else if (raw < lower) why += `, raised to min ${lower}`;
  const withinTolerance = current > 0 && Math.abs(lag / (current * spec.lagPerReplica) - 1) <= HPA_TOLERANCE;
  if (withinTolerance && target !== current && current >= lower && current <= upper.limit) {
    target = current;
    why += `, within ${HPA_TOLERANCE * 100}% of ${current} x ${spec.lagPerReplica}`;
  }
  const stable = stabilize(target, current, now, spec.scaleDownStabilizationSeconds, state.recommendations);
  if (stable.held) why += `, held at ${stable.replicas} by the ${spec.scaleDownStabilizationSeconds}s scale-down window`;
  return {
    decision: { replicas: stable.replicas, reason: `${why} -> ${stable.replicas} replicas` },
    state: { ...base, recommendations: stable.recommendations },
  };
};
