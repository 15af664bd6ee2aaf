import { eventStoreLagSources, subscriptionFromSource } from '@spillway/autoscaler';
import type { ConsoleFunction } from '@spillway/console';
import type { LocalFunction, LocalFunctions } from './local-functions';

/**
 * What the console shows of each function beyond its replicas: its group and read model (from its own
 * definition), its scaling, the autoscaler's last tick, and, for a function it does not scale (no
 * subscription scaling, `--no-autoscale`), its group measured as the autoscaler would (filter included).
 */
export function consoleFunctions(functions: readonly LocalFunction[], running: LocalFunctions): ConsoleFunction[] {
  return functions.map(({ name, subscription, scaling, readModel }) => ({
    name,
    ...(subscription
      ? { subscription: { source: 'stream' in subscription.source ? subscription.source.stream : '$all', group: subscription.group } }
      : {}),
    ...(scaling ? { scaling: { minReplicas: scaling.minReplicas, maxReplicas: scaling.maxReplicas } } : {}),
    ...(readModel !== undefined ? { readModel: true } : {}),
    latest: () => running.latest(name),
    ...(subscription
      ? {
          async measure(client) {
            const source = eventStoreLagSources(client)(subscriptionFromSource(subscription.source, subscription.group));
            try {
              return await source.getLag();
            } finally {
              await source.close();
            }
          },
        }
      : {}),
  }));
}
