import type { ConsoleFunction } from '@spillway/console';
import type { Scaler } from '../loop/scaler';
import { GroupRates, readModelFromGroups } from './read-model-groups';

/**
 * The workloads the loop scales, as the console shows them: each Deployment with its group, its
 * range and the last tick (measurement, decision, replica count). Nothing more is asked of the cluster
 * or the pods: the console shows what the autoscaler already measures. Replicas are counted, not listed,
 * and a function's read model is not reached (its pods are not the autoscaler's to call): its builds
 * are the groups of its read-model family that the tick measured, with rates from successive ticks.
 */
export function clusterConsoleFunctions(scaler: Scaler): () => ConsoleFunction[] {
  const rates = new Map<string, GroupRates>();
  return () => {
    const workloads = scaler.workloads();
    const keys = new Set(workloads.map((w) => `${w.namespace}/${w.name}`));
    for (const key of rates.keys()) if (!keys.has(key)) rates.delete(key);
    return workloads
      .map((workload): ConsoleFunction => {
        const { subscription, minReplicas, maxReplicas } = workload.spec;
        const key = `${workload.namespace}/${workload.name}`;
        const latest = () => scaler.latest(workload.namespace, workload.name);
        return {
          name: workload.name,
          subscription: { source: subscription.kind === 'all' ? '$all' : subscription.stream, group: subscription.group },
          scaling: { minReplicas, maxReplicas },
          latest,
          readModelFromGroups: () => {
            const tick = latest();
            const groups = tick?.measurement?.groups;
            if (!tick || !groups) return undefined;
            const groupRates = rates.get(key) ?? new GroupRates();
            rates.set(key, groupRates);
            groupRates.record(tick.at, groups);
            return readModelFromGroups(subscription.group, groups, (group) => groupRates.rate(group));
          },
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  };
}
