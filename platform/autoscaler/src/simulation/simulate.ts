import type { LagMeasurement } from '../lag/lag-source';
import type { Trace } from './traces';

/** The workload the controllers scale: a queue drained by replicas of fixed capacity, each ready some seconds after it starts. */
export interface WorkloadModel {
  readonly perReplicaRate: number;
  readonly startupSeconds: number;
  readonly maxReplicas: number;
}

/** A scaling controller under test: called every second, returns the replicas it wants, or undefined to leave them. */
export interface Controller {
  readonly name: string;
  step(second: number, measurement: LagMeasurement, currentReplicas: number): number | undefined;
}

export interface SimulationResult {
  readonly controller: string;
  readonly trace: string;
  /** Integral of the backlog over time (event-seconds). */
  readonly lagSeconds: number;
  readonly peakLag: number;
  /** Integral of running replicas (ready or starting) over time. */
  readonly replicaSeconds: number;
  readonly scalingActions: number;
}

/** Runs one controller over one trace in one-second steps; fully deterministic. */
export function simulate(trace: Trace, controller: Controller, model: WorkloadModel): SimulationResult {
  let backlog = 0;
  let processedTotal = 0;
  // The second each running replica becomes ready, oldest first; scale-down removes the newest.
  let replicas: number[] = [];
  let lagSeconds = 0;
  let peakLag = 0;
  let replicaSeconds = 0;
  let scalingActions = 0;
  for (let second = 0; second < trace.seconds; second++) {
    backlog += trace.rate(second);
    const ready = replicas.filter((readyAt) => readyAt <= second).length;
    const processed = Math.min(backlog, ready * model.perReplicaRate);
    backlog -= processed;
    processedTotal += processed;
    const waiting = Math.ceil(backlog - 1e-9);
    // Little's law: events being handled at a reading = throughput x service time (1 / per-replica rate).
    // Without it a group that keeps up would read as empty and KEDA's model would deactivate under load.
    const inFlight = Math.ceil(processed / model.perReplicaRate - 1e-9);
    const measurement: LagMeasurement = {
      lag: waiting + inFlight,
      inFlight,
      retryBuffer: 0,
      parked: 0,
      capped: false,
      groupExists: true,
      caughtUp: waiting + inFlight === 0,
      consumers: ready,
      processedTotal: Math.round(processedTotal),
    };
    const wanted = controller.step(second, measurement, replicas.length);
    if (wanted !== undefined && wanted !== replicas.length) {
      const target = Math.max(0, Math.min(model.maxReplicas, wanted));
      if (target > replicas.length)
        replicas = [...replicas, ...Array.from({ length: target - replicas.length }, () => second + model.startupSeconds)];
      else replicas = replicas.slice(0, target);
      scalingActions++;
    }
    lagSeconds += backlog;
    peakLag = Math.max(peakLag, backlog);
    replicaSeconds += replicas.length;
  }
  return { controller: controller.name, trace: trace.name, lagSeconds, peakLag, replicaSeconds, scalingActions };
}
