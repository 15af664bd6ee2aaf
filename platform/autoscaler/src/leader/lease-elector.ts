import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';

/** client-go's default LeaseDuration: how long followers wait after the last renewal they saw before taking over. */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
/** client-go's default RenewDeadline: a leader that has not renewed for this long stops acting as leader. */
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
/** client-go's default RetryPeriod: how often every candidate tries to acquire or renew. */
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

const HTTP_NOT_FOUND = 404;
const HTTP_CONFLICT = 409;

/** Whether this process may apply decisions now; the Scaler asks before every write. */
export interface Leadership {
  isLeader(): boolean;
}

export interface LeaseElectorOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** The Lease's name; the chart grants get/update on exactly this one. */
  readonly leaseName: string;
  /** This replica's holderIdentity: unique per process (pod name plus a random suffix). */
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly log: Logger;
  /** Called when this replica starts or stops leading. */
  readonly onChange?: (leading: boolean, term: number) => void;
  /** Milliseconds; injected so tests control time. */
  readonly now?: () => number;
}

/** The timings must leave a leader time to notice it lost the lease before a follower can take it. */
export function checkLeaseTimings(leaseDurationMs: number, renewDeadlineMs: number, retryPeriodMs: number): string[] {
  const problems: string[] = [];
  if (!(leaseDurationMs > renewDeadlineMs)) problems.push('the lease duration must be longer than the renew deadline');
  if (!(renewDeadlineMs > retryPeriodMs)) problems.push('the renew deadline must be longer than the retry period');
  if (leaseDurationMs < 1_000) problems.push('the lease duration must be at least 1s (the Lease counts whole seconds)');
  return problems;
}

function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** A Lease's MicroTime: six fraction digits, the only form the API server parses (a plain Date gives three). */
function microTime(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, with client-go's rules: every retry period a
 * candidate reads the Lease; it takes it when it does not exist, was released (no holder), or has
 * not changed for the holder's lease duration as measured on this replica's own clock (so clocks
 * need not agree across nodes); every write carries the resourceVersion it read, so of two
 * candidates only one wins. The leader renews every retry period and stops leading once it has not
 * renewed for the renew deadline, which is shorter than the lease duration: it has stopped before
 * anyone else can take over. `stop()` releases the Lease so a follower takes over at its next try.
 */
export class LeaseElector implements Leadership {
  readonly identity: string;
  private readonly api: CoordinationV1Api;
  private readonly now: () => number;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private observed?: { record: string; resourceVersion: string; holder: string; durationMs: number };
  private observedAt = 0;
  private renewedAt?: number;
  private term = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(private readonly options: LeaseElectorOptions) {
    this.identity = options.identity;
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.now = options.now ?? Date.now;
    this.leaseDurationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    const problems = checkLeaseTimings(this.leaseDurationMs, this.renewDeadlineMs, this.retryPeriodMs);
    if (problems.length > 0) throw new Error(`leader election: ${problems.join('; ')}`);
  }

  /** True while this replica holds the Lease and renewed it within the renew deadline. */
  isLeader(): boolean {
    return this.renewedAt !== undefined && this.now() - this.renewedAt < this.renewDeadlineMs;
  }

  /** The Lease's leaseTransitions when this replica last acquired it: the term it leads in. */
  currentTerm(): number {
    return this.term;
  }

  /** Tries every retry period until `stop`; a slow try delays the next one instead of overlapping it. */
  start(): void {
    this.stopped = false;
    const loop = async () => {
      this.running = this.tryAcquireOrRenew();
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, this.retryPeriodMs);
    };
    void loop();
  }

  /** Stops trying and, when leading, releases the Lease (no holder, 1 s) so a follower need not wait it out. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (!this.isLeader() || !this.observed) return;
    this.lose('released');
    try {
      await this.api.replaceNamespacedLease({
        name: this.options.leaseName,
        namespace: this.options.namespace,
        body: this.lease(this.observed.resourceVersion, {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: microTime(this.now()),
          renewTime: microTime(this.now()),
          leaseTransitions: this.term,
        }),
      });
    } catch (err) {
      this.options.log.warn(
        { err, lease: this.options.leaseName },
        'releasing the leader lease failed; a follower takes over when it expires',
      );
    }
  }

  /** One attempt: read the Lease, then create, take over or renew it. Resolves whether this replica leads. */
  async tryAcquireOrRenew(): Promise<boolean> {
    // The renewal counts from before the round trip: the record written carries this time, or a later one.
    const started = this.now();
    let leading = false;
    try {
      leading = await this.attempt(started);
    } catch (err) {
      this.options.log.warn({ err, lease: this.options.leaseName }, 'leader election: reading or writing the lease failed');
    }
    if (leading) {
      this.renewedAt = started;
    } else if (this.renewedAt !== undefined && !this.isLeader()) {
      this.lose(`not renewed within ${this.renewDeadlineMs} ms`);
    }
    return this.isLeader();
  }

  private async attempt(now: number): Promise<boolean> {
    const { namespace, leaseName: name } = this.options;
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (statusCode(err) !== HTTP_NOT_FOUND) throw err;
      return this.create(now);
    }
    this.observe(current, now);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const observed = this.observed;
    if (holder !== '' && holder !== this.identity && observed && this.observedAt + observed.durationMs > now) {
      if (this.renewedAt !== undefined) this.lose(`the lease is held by ${holder}`);
      return false;
    }
    const takingOver = holder !== this.identity;
    const term = takingOver ? (spec.leaseTransitions ?? 0) + 1 : (spec.leaseTransitions ?? 0);
    try {
      const updated = await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: this.lease(current.metadata?.resourceVersion ?? '', {
          holderIdentity: this.identity,
          leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
          acquireTime: takingOver ? microTime(now) : spec.acquireTime,
          renewTime: microTime(now),
          leaseTransitions: term,
        }),
      });
      this.observe(updated, now);
    } catch (err) {
      // Another candidate wrote first; it leads, and this replica will see its record next time.
      if (statusCode(err) === HTTP_CONFLICT) return false;
      throw err;
    }
    if (takingOver || this.renewedAt === undefined) this.lead(term, holder);
    return true;
  }

  private async create(now: number): Promise<boolean> {
    try {
      const created = await this.api.createNamespacedLease({
        namespace: this.options.namespace,
        body: this.lease(undefined, {
          holderIdentity: this.identity,
          leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        }),
      });
      this.observe(created, now);
    } catch (err) {
      // AlreadyExists: another candidate created it between our read and our create.
      if (statusCode(err) === HTTP_CONFLICT) return false;
      throw err;
    }
    this.lead(0, '');
    return true;
  }

  /** Remembers the record and, when it changed, when this replica saw it change (the clock followers expire it by). */
  private observe(lease: V1Lease, now: number): void {
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity ?? '', spec.renewTime, spec.acquireTime, spec.leaseTransitions]);
    if (this.observed?.record !== record) this.observedAt = now;
    this.observed = {
      record,
      resourceVersion: lease.metadata?.resourceVersion ?? '',
      holder: spec.holderIdentity ?? '',
      // The holder's own duration, so a release (1 s) shortens the wait.
      durationMs: (spec.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000,
    };
  }

  private lease(resourceVersion: string | undefined, spec: NonNullable<V1Lease['spec']>): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.options.leaseName,
        namespace: this.options.namespace,
        ...(resourceVersion !== undefined ? { resourceVersion } : {}),
      },
      spec,
    };
  }

  private lead(term: number, previous: string): void {
    this.term = term;
    this.options.log.info(
      { lease: this.options.leaseName, identity: this.identity, term, previous: previous || undefined },
      'became the leader',
    );
    this.options.onChange?.(true, term);
  }

  private lose(reason: string): void {
    this.renewedAt = undefined;
    this.options.log.warn({ lease: this.options.leaseName, identity: this.identity, term: this.term }, `stopped leading: ${reason}`);
    this.options.onChange?.(false, this.term);
  }
}
