import type { Logger } from 'pino';
import type { ScalingSpec } from '../annotations/annotations';
import { formatSubscriptionRef } from '../annotations/subscription-ref';
import type { LagMeasurement, LagSource } from '../lag/lag-source';
import type { Leadership } from '../leader/lease-elector';
import type { AutoscalerMetrics } from '../metrics/autoscaler-metrics';
import { choosePolicy } from '../policy/choose-policy';
import { DEFAULT_FAILURE_THRESHOLD, decideOnFailure } from '../policy/fallback';
import { type Decision, initialPolicyState, type PolicyState } from '../policy/policy';
import type { ScaleTarget } from '../targets/scale-target';

/**
 * A reading that takes longer than this counts as a failed one. A healthy reading takes well under a
 * second (the `$all` scan is capped); without a bound, a server that accepts the connection but never
 * answers (@eventstore/db-client's first call, GetSupportedMethods, carries no deadline) stalls the
 * whole tick, and the fallback never applies.
 */
export const DEFAULT_MEASURE_TIMEOUT_MS = 10_000;

/** One scaled workload: a Deployment, or a local function's process pool. */
export interface Workload {
  /** Kubernetes namespace, or `local`. */
  readonly namespace: string;
  /** Deployment or function name. */
  readonly name: string;
  readonly spec: ScalingSpec;
  readonly target: ScaleTarget;
}

/** What one tick did for one workload. */
export interface Outcome {
  readonly namespace: string;
  readonly name: string;
  readonly at: number;
  readonly currentReplicas: number;
  readonly measurement?: LagMeasurement;
  readonly error?: Error;
  readonly decision?: Decision;
  readonly applied: boolean;
}

export interface ScalerOptions {
  /** Opens the lag source of a workload's subscription. */
  readonly lagSource: (spec: ScalingSpec) => LagSource;
  readonly log: Logger;
  readonly metrics?: AutoscalerMetrics;
  /** Decide and log, but never apply. */
  readonly dryRun?: boolean;
  readonly failureThreshold?: number;
  /** With several replicas, only the leader applies; the others measure and decide (KEDA reads them, and their policy state is warm on takeover). */
  readonly leadership?: Leadership;
  /** Bound on one lag reading (DEFAULT_MEASURE_TIMEOUT_MS); a slower one is a failed measurement. */
  readonly measureTimeoutMs?: number;
  /** Milliseconds; injected so tests and simulations control time. */
  readonly now?: () => number;
  /**
   * Leaves unmeasured a workload whose minReplicas equals its maxReplicas: no lag could change its size, and
   * a `$all` group's reading decodes every new event. Its outcomes then carry no measurement (whoever shows
   * its lag measures it when asked). Off in the cluster, where the lag metrics are wanted whatever the range.
   */
  readonly leaveFixedUnmeasured?: boolean;
}

interface Entry {
  workload: Workload;
  source: LagSource;
  sourceKey: string;
  state: PolicyState;
  failures: number;
  last?: Outcome;
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;
const sourceKeyOf = (spec: ScalingSpec) => JSON.stringify([formatSubscriptionRef(spec.subscription), spec.filter ?? null]);

/**
 * The loop: every interval, for each workload, measure its lag, let its policy decide, and apply
 * the decision to its target. Workloads come and go (`upsert`, `remove`) as Deployments change.
 */
export class Scaler {
  private readonly entries = new Map<string, Entry>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: ScalerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Adds a workload, or updates its spec and target; the policy's history survives a spec change. */
  upsert(workload: Workload): void {
    const key = keyOf(workload.namespace, workload.name);
    const existing = this.entries.get(key);
    const sourceKey = sourceKeyOf(workload.spec);
    if (existing && existing.sourceKey === sourceKey) {
      existing.workload = workload;
      return;
    }
    if (existing) void this.closeSource(existing.source);
    this.entries.set(key, {
      workload,
      source: this.options.lagSource(workload.spec),
      sourceKey,
      state: existing?.state ?? initialPolicyState(),
      failures: 0,
    });
  }

  async remove(namespace: string, name: string): Promise<void> {
    const key = keyOf(namespace, name);
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.options.metrics?.forget(this.labels(entry.workload));
    await this.closeSource(entry.source);
  }

  workloads(): readonly Workload[] {
    return [...this.entries.values()].map((e) => e.workload);
  }

  find(namespace: string, name: string): Workload | undefined {
    return this.entries.get(keyOf(namespace, name))?.workload;
  }

  /** The last outcome for a workload, if it has been through a tick. */
  latest(namespace: string, name: string): Outcome | undefined {
    return this.entries.get(keyOf(namespace, name))?.last;
  }

  /** Measures a workload now, outside the loop (for KEDA's pulls before the first tick). */
  async measure(namespace: string, name: string): Promise<LagMeasurement> {
    const entry = this.entries.get(keyOf(namespace, name));
    if (!entry) throw new Error(`no scaled workload ${keyOf(namespace, name)}`);
    return this.readLag(entry);
  }

  private async readLag(entry: Entry): Promise<LagMeasurement> {
    const timeoutMs = this.options.measureTimeoutMs ?? DEFAULT_MEASURE_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no lag reading of ${entry.source.subscription} within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([entry.source.getLag(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One pass over every workload, concurrently; one workload's failure does not stop the others. */
  async tick(): Promise<Outcome[]> {
    return Promise.all([...this.entries.values()].map((entry) => this.step(entry)));
  }

  /** Ticks every `intervalMs` until `stop`; a slow tick delays the next one instead of overlapping it. */
  start(intervalMs: number): void {
    this.stopped = false;
    const loop = async () => {
      this.running = this.tick().catch((err: unknown) => this.options.log.error({ err }, 'scaling tick failed'));
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, intervalMs);
    };
    void loop();
  }

  /** Stops the loop, waits for a tick in progress, and closes every lag source. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => this.closeSource(e.source)));
  }

  private async step(entry: Entry): Promise<Outcome> {
    const { workload } = entry;
    const labels = this.labels(workload);
    const ref = workload.spec.subscription;
    const log = this.options.log.child({
      fn: workload.name,
      namespace: workload.namespace,
      group: ref.group,
      stream: ref.kind === 'all' ? '$all' : ref.stream,
    });
    const at = this.now();
    let current: number;
    try {
      current = await workload.target.currentReplicas();
    } catch (err) {
      log.warn({ err }, 'reading current replicas failed; skipping this workload until the next tick');
      return this.record(entry, {
        namespace: workload.namespace,
        name: workload.name,
        at,
        currentReplicas: 0,
        error: err as Error,
        applied: false,
      });
    }

    let decision: Decision;
    let measurement: LagMeasurement | undefined;
    let error: Error | undefined;
    const { minReplicas, maxReplicas } = workload.spec;
    if (this.options.leaveFixedUnmeasured && minReplicas === maxReplicas) {
      entry.failures = 0;
      decision = { replicas: maxReplicas, reason: `fixed at ${maxReplicas}: min and max replicas are equal, so the lag is not measured` };
    } else {
      try {
        measurement = await this.readLag(entry);
        entry.failures = 0;
        const out = choosePolicy(workload.spec.policy)(
          { measurement, currentReplicas: current, spec: workload.spec, now: at },
          entry.state,
        );
        entry.state = out.state;
        decision = out.decision;
      } catch (err) {
        error = err as Error;
        entry.failures++;
        this.options.metrics?.measurementFailures.inc(labels);
        decision = decideOnFailure(entry.failures, current, workload.spec, this.options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD);
        log.warn({ err, failures: entry.failures }, 'measuring lag failed');
      }
    }

    const metrics = this.options.metrics;
    if (metrics) {
      if (measurement) {
        metrics.lag.set(labels, measurement.lag);
        metrics.parked.set(labels, measurement.parked);
        metrics.lagCapped.set(labels, measurement.capped ? 1 : 0);
      }
      metrics.currentReplicas.set(labels, current);
      metrics.desiredReplicas.set(labels, decision.replicas);
      metrics.maxReplicas.set(labels, workload.spec.maxReplicas);
      metrics.fallbackActive.set(labels, entry.failures >= (this.options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD) ? 1 : 0);
    }
    const direction = decision.replicas > current ? 'up' : decision.replicas < current ? 'down' : 'none';
    metrics?.decisions.inc({ ...labels, direction });

    let applied = false;
    // Asked once per step, right before the write: a replica that lost the lease since the tick began does not write.
    const follower = this.options.leadership !== undefined && !this.options.leadership.isLeader();
    if (direction !== 'none') {
      log.info(
        {
          from: current,
          to: decision.replicas,
          direction,
          lag: measurement?.lag,
          parked: measurement?.parked,
          capped: measurement?.capped,
          dryRun: this.options.dryRun ?? false,
          scaledBy: workload.spec.scaledBy ?? 'spillway',
          ...(follower ? { follower: true } : {}),
        },
        decision.reason,
      );
      // A KEDA-scaled workload is measured for KEDA's pulls; KEDA's HPA applies the replicas.
      if (!this.options.dryRun && workload.spec.scaledBy !== 'keda' && !follower) {
        try {
          await workload.target.scale(decision.replicas);
          applied = true;
        } catch (err) {
          log.error({ err, to: decision.replicas }, 'applying the decision failed');
          error = err as Error;
        }
      }
    } else {
      log.debug({ replicas: current, lag: measurement?.lag }, decision.reason);
    }
    return this.record(entry, {
      namespace: workload.namespace,
      name: workload.name,
      at,
      currentReplicas: current,
      measurement,
      error,
      decision,
      applied,
    });
  }

  private record(entry: Entry, outcome: Outcome): Outcome {
    entry.last = outcome;
    return outcome;
  }

  private labels(workload: Workload) {
    return {
      namespace: workload.namespace,
      workload: workload.name,
      subscription: formatSubscriptionRef(workload.spec.subscription),
      group: workload.spec.subscription.group,
    };
  }

  private async closeSource(source: LagSource): Promise<void> {
    try {
      await source.close();
    } catch (err) {
      this.options.log.warn({ err, subscription: source.subscription }, 'closing a lag source failed');
    }
  }
}
