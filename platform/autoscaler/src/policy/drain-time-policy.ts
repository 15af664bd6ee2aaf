import type { LagMeasurement } from '../lag/lag-source';
import { type Policy, type PolicyState, stabilize, upperBound } from './policy';

/** Weight of the newest arrival-rate sample: follows a step within two readings, damps one noisy pair. */
export const ARRIVAL_SMOOTHING = 0.5;
/** Weight of the newest capacity sample: capacity changes slowly (same code, same machines), so trust history more. */
export const CAPACITY_SMOOTHING = 0.3;

const ewma = (previous: number | undefined, sample: number, weight: number) =>
  previous === undefined ? sample : previous + weight * (sample - previous);

const rate = (value: number) => value.toFixed(1);

/**
 * Nothing to do: no backlog, nothing in flight or waiting for a retry, the checkpoint has caught up,
 * and nothing was processed since the previous reading (a group that keeps up with a steady trickle
 * shows zero lag at every reading, yet it is busy).
 */
export function isIdle(m: LagMeasurement, previous: PolicyState['previous']): boolean {
  const processedSince =
    m.processedTotal !== undefined && previous?.processedTotal !== undefined && m.processedTotal !== previous.processedTotal;
  return m.lag === 0 && m.inFlight === 0 && m.retryBuffer === 0 && m.caughtUp && !processedSince;
}

/** Consumers taking work: connected consumers when the source reports them, else the replicas running. */
const workersOf = (m: LagMeasurement, replicas: number) => m.consumers ?? replicas;

/** Updates the arrival and per-replica processing rates from the previous reading to this one. */
function estimateRates(input: Parameters<Policy>[0], state: PolicyState): Pick<PolicyState, 'arrivalRate' | 'capacityPerReplica'> {
  const { measurement: m, currentReplicas, now } = input;
  const previous = state.previous;
  if (previous === undefined || now <= previous.at) return { arrivalRate: state.arrivalRate, capacityPerReplica: state.capacityPerReplica };
  const seconds = (now - previous.at) / 1000;
  // processedTotal restarts with the server; a drop means we cannot tell how much was processed.
  const processed =
    m.processedTotal !== undefined && previous.processedTotal !== undefined && m.processedTotal >= previous.processedTotal
      ? m.processedTotal - previous.processedTotal
      : undefined;
  // arrived = growth of the backlog + what was taken off it; without a processed count the growth is a lower bound.
  const arrived = Math.max(0, m.lag - previous.lag + (processed ?? 0));
  const arrivalRate = ewma(state.arrivalRate, arrived / seconds, ARRIVAL_SMOOTHING);
  // Only consumers with work waiting throughout show their capacity; idle ones processed just what arrived.
  const workers = workersOf(m, currentReplicas);
  const busy = previous.workers > 0 && previous.workers === workers && previous.lag > workers && m.lag > workers;
  const sample = processed !== undefined && previous.workers > 0 ? processed / seconds / previous.workers : undefined;
  let capacityPerReplica = state.capacityPerReplica;
  if (sample !== undefined && sample > 0) {
    if (busy) capacityPerReplica = ewma(capacityPerReplica, sample, CAPACITY_SMOOTHING);
    // What a consumer processed is a floor on what it can process, busy or not.
    else if (capacityPerReplica !== undefined && sample > capacityPerReplica) capacityPerReplica = sample;
  }
  return { arrivalRate, capacityPerReplica };
}

/**
 * Beyond KEDA: estimate the arrival rate and what one replica processes from successive
 * readings, and run the fewest replicas that bring the lag down to the activation threshold
 * within targetDrainSeconds while keeping up with arrivals. Scale to zero only when the group
 * has been idle (no lag, nothing in flight or to retry, checkpoint caught up) for cooldownSeconds.
 */
export const decideByDrainTime: Policy = (input, state) => {
  const { measurement: m, currentReplicas: current, spec, now } = input;
  const rates = estimateRates(input, state);
  const idleSince = isIdle(m, state.previous) ? (state.idleSince ?? now) : undefined;
  const base: PolicyState = {
    ...state,
    ...rates,
    idleSince,
    lastActiveAt: m.lag > spec.activationLag ? now : state.lastActiveAt,
    previous: { at: now, lag: m.lag, processedTotal: m.processedTotal, workers: workersOf(m, current) },
  };
  const upper = upperBound(input);

  const arrivals = rates.arrivalRate ?? 0;
  const excess = Math.max(0, m.lag - spec.activationLag);
  const perReplica = rates.capacityPerReplica;
  // Until a busy consumer has shown its capacity, size by lag / lag-per-replica as the lag policy does:
  // a guessed capacity that is too low would never be corrected (replicas that keep up never look busy),
  // while too few replicas let the lag build until they are busy and measurable.
  const needed =
    perReplica === undefined
      ? Math.ceil(m.lag / spec.lagPerReplica)
      : Math.ceil((excess / spec.targetDrainSeconds + arrivals) / perReplica);
  const sizing =
    perReplica === undefined
      ? `lag ${m.lag}, capacity not measured yet: ${m.lag} / ${spec.lagPerReplica} per replica = ${needed}`
      : `lag ${m.lag}, arriving ${rate(arrivals)}/s, ${rate(perReplica)}/s per replica: ceil((${excess} / ${spec.targetDrainSeconds}s + ${rate(arrivals)}) / ${rate(perReplica)}) = ${needed}`;

  if (current === 0 && m.lag <= spec.activationLag) {
    const replicas = Math.min(spec.minReplicas, upper.limit);
    return { decision: { replicas, reason: `lag ${m.lag} <= activation ${spec.activationLag}: stay at ${replicas}` }, state: base };
  }
  if (current > 0 && spec.minReplicas === 0 && idleSince !== undefined && (now - idleSince) / 1000 >= spec.cooldownSeconds) {
    return {
      decision: {
        replicas: 0,
        reason: `idle (no lag, in-flight or retries; checkpoint caught up) for ${(now - idleSince) / 1000}s >= cooldown ${spec.cooldownSeconds}s -> 0 replicas`,
      },
      state: { ...base, recommendations: [] },
    };
  }
  // Running (or activating): at least one replica until the group is idle for the cooldown.
  const lower = Math.max(spec.minReplicas, 1);
  const target = Math.min(Math.max(needed, lower), upper.limit);
  let why = sizing;
  if (needed > upper.limit) why += `, capped at ${upper.why}`;
  else if (needed < lower) why += `, raised to ${lower}`;
  const stable = stabilize(target, current, now, spec.scaleDownStabilizationSeconds, state.recommendations);
  if (stable.held) why += `, held at ${stable.replicas} by the ${spec.scaleDownStabilizationSeconds}s scale-down window`;
  return {
    decision: { replicas: stable.replicas, reason: `${why} -> ${stable.replicas} replicas` },
    state: { ...base, recommendations: stable.recommendations },
  };
};
