import type { ConsoleFunction } from '@spillway/console';
import type { Scaler } from '../loop/scaler';

/**
 * The workloads the loop scales, as the console shows them: each Deployment with its group, its
 * range and the last tick (measurement, decision, replica count). Nothing more is asked of the cluster
 * or the pods: the console shows what the autoscaler already measures. Replicas are counted, not listed,
 * and a function's read model is not reached (its pods are not the autoscaler's to call).
 */
export function clusterConsoleFunctions(scaler: Scaler): () => ConsoleFunction[] {
  return () =>
    scaler
      .workloads()
      .map((workload): ConsoleFunction => {
        const { subscription, minReplicas, maxReplicas } = workload.spec;
        return {
          name: workload.name,
          subscription: { source: subscription.kind === 'all' ? '$all' : subscription.stream, group: subscription.group },
          scaling: { minReplicas, maxReplicas },
          latest: () => scaler.latest(workload.namespace, workload.name),
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
}
