import type { Controller } from './simulate';

/** KEDA's and the HPA's defaults, as documented. */
export const KEDA_DEFAULTS = {
  /** ScaledObject pollingInterval: how often KEDA checks activation (0 <-> 1). */
  pollingIntervalSeconds: 30,
  /** kube-controller-manager --horizontal-pod-autoscaler-sync-period. */
  hpaSyncSeconds: 15,
  /** HPA behavior.scaleDown.stabilizationWindowSeconds. */
  scaleDownStabilizationSeconds: 300,
  /** ScaledObject cooldownPeriod before scaling back to zero. */
  cooldownSeconds: 300,
  /** HPA tolerance. */
  tolerance: 0.1,
  /** HPA default scale-up policies per 15 s: +100 % or +4 pods, whichever is more. */
  scaleUpPercent: 100,
  scaleUpPods: 4,
} as const;

export interface KedaModelOptions {
  readonly lagPerReplica: number;
  readonly activationLag: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/**
 * A model of a KEDA ScaledObject on a lag metric with every default: KEDA polls activation every
 * 30 s and owns 0 <-> 1; the HPA syncs every 15 s on AverageValue = lagPerReplica (metric read fresh),
 * with 10 % tolerance, the default scale-up rate limits and a 300 s scale-down window.
 */
export function kedaModel(options: KedaModelOptions): Controller {
  const d = KEDA_DEFAULTS;
  let lastActive: number | undefined;
  let recommendations: { at: number; replicas: number }[] = [];
  return {
    name: 'keda',
    step(second, measurement, current) {
      const { lag } = measurement;
      let wanted: number | undefined;
      if (second % d.pollingIntervalSeconds === 0) {
        const active = lag > options.activationLag;
        if (active) lastActive = second;
        if (active && current === 0) return Math.max(1, options.minReplicas);
        if (!active && current > 0 && options.minReplicas === 0 && second - (lastActive ?? 0) >= d.cooldownSeconds) {
          recommendations = [];
          return 0;
        }
      }
      if (current > 0 && second % d.hpaSyncSeconds === 0) {
        let desired = Math.ceil(lag / options.lagPerReplica);
        if (Math.abs(lag / (current * options.lagPerReplica) - 1) <= d.tolerance) desired = current;
        desired = Math.min(Math.max(desired, Math.max(1, options.minReplicas)), options.maxReplicas);
        recommendations = [
          ...recommendations.filter((r) => r.at > second - d.scaleDownStabilizationSeconds),
          { at: second, replicas: desired },
        ];
        if (desired > current) {
          const limit = Math.max(current * (1 + d.scaleUpPercent / 100), current + d.scaleUpPods);
          wanted = Math.min(desired, limit);
        } else {
          wanted = Math.min(current, Math.max(...recommendations.map((r) => r.replicas)));
        }
      }
      return wanted;
    },
  };
}
