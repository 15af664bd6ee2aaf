import { Counter, Gauge, Registry } from 'prom-client';

// `group` repeats the subscription's group so rules can join with the runtime's metrics (labelled `group`).
type Labels = 'namespace' | 'workload' | 'subscription' | 'group';

/** The autoscaler's Prometheus metrics, in their own registry with the default labels set once. */
export class AutoscalerMetrics {
  readonly registry = new Registry();
  readonly lag: Gauge<Labels>;
  readonly parked: Gauge<Labels>;
  readonly lagCapped: Gauge<Labels>;
  readonly desiredReplicas: Gauge<Labels>;
  readonly currentReplicas: Gauge<Labels>;
  readonly decisions: Counter<Labels | 'direction'>;
  readonly measurementFailures: Counter<Labels>;
  readonly maxReplicas: Gauge<Labels>;
  readonly fallbackActive: Gauge<Labels>;
  readonly leader: Gauge;

  constructor() {
    this.registry.setDefaultLabels({ app: 'spillway-autoscaler' });
    const registers = [this.registry];
    const labelNames = ['namespace', 'workload', 'subscription', 'group'] as const;
    this.lag = new Gauge({
      name: 'spillway_autoscaler_lag_events',
      help: 'Events the subscription group has still to process',
      labelNames,
      registers,
    });
    this.parked = new Gauge({
      name: 'spillway_autoscaler_parked_events',
      help: 'Parked events of the group (not part of the lag)',
      labelNames,
      registers,
    });
    this.lagCapped = new Gauge({
      name: 'spillway_autoscaler_lag_capped',
      help: '1 when the lag is a lower bound because the bounded $all count stopped at its cap',
      labelNames,
      registers,
    });
    this.desiredReplicas = new Gauge({
      name: 'spillway_autoscaler_desired_replicas',
      help: 'Replicas the policy decided',
      labelNames,
      registers,
    });
    this.currentReplicas = new Gauge({
      name: 'spillway_autoscaler_current_replicas',
      help: 'Replicas running before the decision',
      labelNames,
      registers,
    });
    this.decisions = new Counter({
      name: 'spillway_autoscaler_scaling_decisions_total',
      help: 'Scaling decisions by direction (up, down, none)',
      labelNames: [...labelNames, 'direction'],
      registers,
    });
    this.measurementFailures = new Counter({
      name: 'spillway_autoscaler_measurement_failures_total',
      help: 'Failed lag measurements',
      labelNames,
      registers,
    });
    this.maxReplicas = new Gauge({
      name: 'spillway_autoscaler_max_replicas',
      help: 'The ceiling of the workload (spillway.dev/max-replicas)',
      labelNames,
      registers,
    });
    this.fallbackActive = new Gauge({
      name: 'spillway_autoscaler_fallback_active',
      help: '1 while lag cannot be measured and the workload is held or at its fallback replicas (FALLBACK_AFTER_FAILURES failures in a row)',
      labelNames,
      registers,
    });
    this.leader = new Gauge({
      name: 'spillway_autoscaler_leader',
      help: '1 while this replica holds the leader Lease and applies decisions (always 1 without leader election)',
      registers,
    });
  }

  /** Drops a workload's series when it is no longer scaled. */
  forget(labels: Record<Labels, string>): void {
    for (const metric of [
      this.lag,
      this.parked,
      this.lagCapped,
      this.desiredReplicas,
      this.currentReplicas,
      this.measurementFailures,
      this.maxReplicas,
      this.fallbackActive,
    ])
      metric.remove(labels);
    for (const direction of ['up', 'down', 'none']) this.decisions.remove({ ...labels, direction });
  }
}
