import type { ScalingSpec } from '../annotations/annotations';
import { formatSubscriptionRef } from '../annotations/subscription-ref';
import type { LagMeasurement } from '../lag/lag-source';
import type { Scaler } from '../loop/scaler';

/** The lag KEDA asks about, for one workload, with what KEDA needs to act on it. */
export interface WorkloadLag {
  readonly namespace: string;
  readonly deployment: string;
  readonly subscription: string;
  readonly lag: number;
  readonly parked: number;
  readonly inFlight: number;
  readonly retryBuffer: number;
  readonly capped: boolean;
  readonly groupExists: boolean;
  /** lag > activation-lag: KEDA's IsActive. */
  readonly active: boolean;
  readonly lagPerReplica: number;
  readonly activationLag: number;
}

export class UnknownWorkloadError extends Error {
  override readonly name = 'UnknownWorkloadError';
}

export class MeasurementUnavailableError extends Error {
  override readonly name = 'MeasurementUnavailableError';
}

function describe(namespace: string, deployment: string, spec: ScalingSpec, m: LagMeasurement): WorkloadLag {
  return {
    namespace,
    deployment,
    subscription: formatSubscriptionRef(spec.subscription),
    lag: m.lag,
    parked: m.parked,
    inFlight: m.inFlight,
    retryBuffer: m.retryBuffer,
    capped: m.capped,
    groupExists: m.groupExists,
    active: m.lag > spec.activationLag,
    lagPerReplica: spec.lagPerReplica,
    activationLag: spec.activationLag,
  };
}

/**
 * The loop's latest reading of a workload, or a fresh one when the loop has none (not ticked yet,
 * or its last reading failed). A failure is reported, never replaced by an old figure: KEDA then
 * applies its own fallback.
 */
export async function workloadLag(scaler: Scaler, namespace: string, deployment: string): Promise<WorkloadLag> {
  const workload = scaler.find(namespace, deployment);
  if (!workload)
    throw new UnknownWorkloadError(`no deployment ${namespace}/${deployment} with a valid spillway.dev/subscription annotation`);
  const latest = scaler.latest(namespace, deployment);
  if (latest?.measurement) return describe(namespace, deployment, workload.spec, latest.measurement);
  try {
    return describe(namespace, deployment, workload.spec, await scaler.measure(namespace, deployment));
  } catch (cause) {
    throw new MeasurementUnavailableError(`measuring the lag of ${namespace}/${deployment} failed`, { cause });
  }
}
