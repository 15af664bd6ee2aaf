import type { ConsoleFunction } from '@spillway/console';
import type { LocalFunction, LocalFunctions } from './local-functions';

/** What the console shows of each function beyond its replicas: its group (from its own definition), its scaling, the autoscaler's last tick. */
export function consoleFunctions(functions: readonly LocalFunction[], running: LocalFunctions): ConsoleFunction[] {
  return functions.map(({ name, subscription, scaling }) => ({
    name,
    ...(subscription
      ? { subscription: { source: 'stream' in subscription.source ? subscription.source.stream : '$all', group: subscription.group } }
      : {}),
    ...(scaling ? { scaling: { minReplicas: scaling.minReplicas, maxReplicas: scaling.maxReplicas } } : {}),
    latest: () => running.latest(name),
  }));
}
