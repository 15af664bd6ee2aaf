import type { ScalingSpec } from '../annotations/annotations';
import type { Decision } from './policy';

/** Consecutive failed measurements before the fallback count applies: a few seconds of blips should not move replicas. */
export const DEFAULT_FAILURE_THRESHOLD = 3;

/**
 * What to run when the lag cannot be measured (EventStoreDB unreachable, GetInfo failing): hold the
 * current replicas, and after `threshold` consecutive failures go to `fallback-replicas` when set,
 * as KEDA's fallback does.
 */
export function decideOnFailure(consecutiveFailures: number, currentReplicas: number, spec: ScalingSpec, threshold: number): Decision {
  if (consecutiveFailures >= threshold && spec.fallbackReplicas !== undefined) {
    return {
      replicas: spec.fallbackReplicas,
      reason: `${consecutiveFailures} failed measurements >= ${threshold}: fallback ${spec.fallbackReplicas} replicas`,
    };
  }
  const why = spec.fallbackReplicas === undefined ? 'no fallback-replicas set' : `fallback after ${threshold}`;
  return {
    replicas: currentReplicas,
    reason: `${consecutiveFailures} failed measurement(s), ${why}: hold ${currentReplicas} replicas`,
  };
}
