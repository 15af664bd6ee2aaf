import type { ScalingSpec } from '../annotations/annotations';
import type { LagMeasurement } from '../lag/lag-source';

/** What a policy sees at one decision: the latest measurement, the replicas running now, and the clock. */
export interface PolicyInput {
  readonly measurement: LagMeasurement;
  readonly currentReplicas: number;
  readonly spec: ScalingSpec;
  /** Milliseconds; policies never read a clock themselves. */
  readonly now: number;
}

/** A recommendation kept for the scale-down stabilization window. */
export interface Recommendation {
  readonly at: number;
  readonly replicas: number;
}

/** What a policy remembers between decisions. Both policies share it, so a policy change keeps the history. */
export interface PolicyState {
  readonly recommendations: readonly Recommendation[];
  /** Last time the lag was above the activation threshold. */
  readonly lastActiveAt?: number;
  /** Since when the group has had nothing at all to do (drain-time policy). */
  readonly idleSince?: number;
  readonly previous?: {
    readonly at: number;
    readonly lag: number;
    readonly processedTotal?: number;
    /** Consumers taking work at that reading: connected consumers when reported, else replicas. */
    readonly workers: number;
  };
  /** Smoothed arrival rate, events per second. */
  readonly arrivalRate?: number;
  /** Smoothed events per second one busy replica processes. */
  readonly capacityPerReplica?: number;
}

export const initialPolicyState = (): PolicyState => ({ recommendations: [] });

export interface Decision {
  readonly replicas: number;
  /** One line for the log: the figures and the rule that produced `replicas`. */
  readonly reason: string;
}

export type Policy = (input: PolicyInput, state: PolicyState) => { readonly decision: Decision; readonly state: PolicyState };

/** The most replicas the group can use: `max-replicas`, and never more consumers than the group admits. */
export function upperBound(input: PolicyInput): { readonly limit: number; readonly why: string } {
  const max = input.spec.maxReplicas;
  const subscribers = input.measurement.maxSubscriberCount;
  if (subscribers !== undefined && subscribers > 0 && subscribers < max)
    return { limit: subscribers, why: `maxSubscriberCount ${subscribers}` };
  return { limit: max, why: `max ${max}` };
}

/**
 * HPA-style scale-down stabilization: scale up at once, but scale down only to the highest
 * recommendation seen within the window, so one quiet reading does not remove replicas.
 */
export function stabilize(
  target: number,
  current: number,
  now: number,
  windowSeconds: number,
  recommendations: readonly Recommendation[],
): { readonly replicas: number; readonly recommendations: readonly Recommendation[]; readonly held: boolean } {
  const since = now - windowSeconds * 1000;
  const kept = [...recommendations.filter((r) => r.at > since), { at: now, replicas: target }];
  if (target >= current) return { replicas: target, recommendations: kept, held: false };
  const highest = Math.max(...kept.map((r) => r.replicas));
  const replicas = Math.min(current, highest);
  return { replicas, recommendations: kept, held: replicas > target };
}
