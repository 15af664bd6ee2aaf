import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { type ScalingSpec, scalingSpec } from '../annotations/annotations';
import type { LagSource } from '../lag/lag-source';
import type { AutoscalerMetrics } from '../metrics/autoscaler-metrics';
import { ProcessPool } from '../targets/local/process-pool';
import { Scaler } from './scaler';

/** The namespace local workloads are reported under (metrics, KEDA endpoints). */
export const LOCAL_NAMESPACE = 'local';

/** One function in one-machine mode: how it scales, and how to start one replica of it. */
export interface LocalFunction {
  readonly name: string;
  readonly scaling: Partial<ScalingSpec> & Pick<ScalingSpec, 'subscription'>;
  readonly spawn: (slot: number) => ChildProcess;
  readonly stopTimeoutMs?: number;
}

export interface LocalAutoscalerOptions {
  readonly functions: readonly LocalFunction[];
  readonly lagSource: (spec: ScalingSpec) => LagSource;
  readonly log: Logger;
  readonly intervalMs: number;
  readonly metrics?: AutoscalerMetrics;
  /** See ScalerOptions.leaveFixedUnmeasured. */
  readonly leaveFixedUnmeasured?: boolean;
}

export interface LocalAutoscaler {
  readonly scaler: Scaler;
  readonly pools: ReadonlyMap<string, ProcessPool>;
  /** Stops the loop, then every replica of every function. */
  stop(): Promise<void>;
}

/** One-machine mode: the same loop and policies, applied to a process pool per function. */
export function startLocalAutoscaler(options: LocalAutoscalerOptions): LocalAutoscaler {
  const scaler = new Scaler({
    lagSource: options.lagSource,
    log: options.log,
    metrics: options.metrics,
    leaveFixedUnmeasured: options.leaveFixedUnmeasured ?? false,
  });
  const pools = new Map<string, ProcessPool>();
  for (const fn of options.functions) {
    const pool = new ProcessPool({ spawn: fn.spawn, stopTimeoutMs: fn.stopTimeoutMs, log: options.log.child({ fn: fn.name }) });
    pools.set(fn.name, pool);
    scaler.upsert({ namespace: LOCAL_NAMESPACE, name: fn.name, spec: scalingSpec(fn.scaling), target: pool });
  }
  scaler.start(options.intervalMs);
  return {
    scaler,
    pools,
    async stop() {
      await scaler.stop();
      await Promise.all([...pools.values()].map((p) => p.close()));
    },
  };
}
