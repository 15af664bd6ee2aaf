import type { ConsoleFunction } from '@spillway/console';
import { loadFunction } from '@spillway/runtime';
import { packageFolder, type ShopFunctionName } from './function-process';
import type { ScaledFunctionName, ScalingPlan } from './scaling-plan';
import type { ShopProcesses } from './shop-processes';

/** What the console shows of each shop function beyond its replicas: its group (from its own definition), its scaling, the autoscaler's last tick. */
export function consoleFunctions(names: readonly ShopFunctionName[], shop: ShopProcesses, plan?: ScalingPlan): ConsoleFunction[] {
  return names.map((name) => {
    const { subscription } = loadFunction(packageFolder(`@spillway/${name}`));
    const scaling = plan && name in plan ? plan[name as ScaledFunctionName] : undefined;
    return {
      name,
      ...(subscription
        ? { subscription: { source: 'stream' in subscription.source ? subscription.source.stream : '$all', group: subscription.group } }
        : {}),
      ...(scaling ? { scaling: { minReplicas: scaling.minReplicas, maxReplicas: scaling.maxReplicas } } : {}),
      latest: () => shop.latest(name),
    };
  });
}
