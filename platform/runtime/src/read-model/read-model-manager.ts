import type { EventStoreDBClient } from '@eventstore/db-client';
import type { Logger } from 'pino';
import type { EventSchemas, HandlerContext, ReadModelDefinition, SubscriptionDefinition } from '../contract/define-function';
import { BusinessRuleError, ConcurrencyError, NotFoundError } from '../errors/errors';
import { sleep, within } from '../event-store/backoff';
import type { TolerantReader } from '../event-store/tolerant-reader';
import type { RuntimeMetrics } from '../observability/metrics';
import type { RetryPolicy } from '../subscription/retry-policy';
import { DEFAULT_CONCURRENCY, SubscriptionRunner } from '../subscription/subscription-runner';
import { countSourceEvents, deleteGroup, groupStanding, lastSourcePosition } from './build-position';
import { BuildRate } from './build-rate';
import { compareSchemas } from './compare-schemas';
import { groupFor, nextLabel, schemaFor } from './generation-names';
import { migrate } from './migrate';
import type { SqlLocation } from './open-sql-database';
import { openReadModelStore, type ReadModelStore } from './read-model-store';
import {
  type Generation,
  type GenerationPurpose,
  insertGeneration,
  listGenerations,
  moveGeneration,
  REGISTRY_DDL,
  REGISTRY_LOCK_KEY,
  REGISTRY_TABLE,
  setGenerationFields,
} from './registry';
import type { ReadModelDb, SqlExecutor } from './sql-database';

/** Readers switch to a build that trails the log by at most this many events (unless the definition says otherwise). */
export const DEFAULT_SWITCH_LAG_THRESHOLD = 100;
// Every replica looks at the registry this often: it bounds how long a switch, an abort or a request takes to reach all replicas.
const POLL_MS = 500;
// Past the target, the progress report counts the backlog after the checkpoint up to this many events (a read of `$all`).
const LAG_COUNT_CAP = 1_000;
// Replicas stop consuming a dropped generation within a poll or two; sweeping its group for this long covers them.
const RESWEEP_MS = 10_000;
// A verify compares a moving live version with a rebuild a moment behind it: a difference must survive a few looks to count.
const VERIFY_ATTEMPTS = 10;
const VERIFY_RETRY_MS = 1_000;
// A build replays a backlog nobody waits for event by event: it takes events in larger batches than live
// processing (a projector that group-commits commits once per batch), and the server reads the log in larger pages.
export const BUILD_CONCURRENCY = 200;
const BUILD_READ_BATCH_SIZE = 250;

/** What `POST /read-model/rebuild` asks for. */
export interface RebuildRequest {
  /** Must be the version these replicas declare; a guard against rebuilding with the wrong image. */
  readonly toVersion?: number;
  /** Build into a scratch version, compare it row by row with the live one, and drop it. */
  readonly verify?: boolean;
  /** Switch even though the build parked events (on a build already running, sets it). */
  readonly acceptParked?: boolean;
}

/** A build as `GET /read-model` reports it (what `spillway rebuild` and the console show). */
export interface BuildProgress {
  readonly label: string;
  readonly version: number;
  readonly purpose: GenerationPurpose;
  readonly state: Generation['state'];
  readonly group: string;
  readonly startedAt: string;
  /** Events the build has applied. */
  readonly replayed: number;
  /** Events in the log when the build began (undefined while being counted). */
  readonly total?: number;
  /** Events still to apply: after the group's checkpoint (estimated from `total` when past the count cap). */
  readonly lag?: number;
  readonly ratePerSecond: number;
  readonly etaSeconds?: number;
  readonly parked: number;
  readonly acceptParked: boolean;
  readonly message?: string;
}

export interface ReadModelStatus {
  readonly function: string;
  readonly declaredVersion: number;
  /** The generation readers see now. */
  readonly serving?: { readonly label: string; readonly version: number; readonly group: string; readonly schema: string };
  /** Builds in progress, newest first. */
  readonly builds: readonly BuildProgress[];
  readonly generations: readonly Generation[];
}

export interface ReadModelManagerOptions<D> {
  readonly fn: string;
  readonly readModel: ReadModelDefinition;
  readonly subscription: SubscriptionDefinition<EventSchemas, D>;
  readonly client: EventStoreDBClient;
  readonly log: Logger;
  readonly metrics: RuntimeMetrics;
  readonly location: SqlLocation;
  /** How long a retired version's tables stay after the switch (readers that looked it up just before keep working). */
  readonly dropGraceMs: number;
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  readonly reader?: TolerantReader;
  deps(): D;
}

interface Consumer<D> {
  readonly generation: Generation;
  readonly runner: SubscriptionRunner<D>;
  /** Events applied since the last flush into the registry. */
  applied: number;
}

class SwitchLost extends Error {}

const takeLock = (tx: SqlExecutor) => tx.query('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK_KEY]);

/**
 * Runs a function's versioned read model: decides at start-up which generations this replica consumes
 * (the live one when it declares the live version, a build when it declares a newer one), consumes each
 * under its own group and schema, and on every poll switches a caught-up build in, drops retired
 * versions after the grace period, and takes rebuild and abort requests made through any replica.
 */
export class ReadModelManager<D> {
  private generations: Generation[] = [];
  private readonly consumers = new Map<string, Consumer<D>>();
  private readonly rates = new Map<string, BuildRate>();
  private readonly counting = new Set<string>();
  private readonly parked = new Map<string, number>();
  /** Builds whose checkpoint this replica has seen short of their target (see backlog()). */
  private readonly seenShort = new Set<string>();
  /** Runners being drained, by label: a group is deleted only once this replica's runner can no longer create it again. */
  private readonly draining = new Map<string, Promise<void>>();
  private loop?: Promise<void>;
  private readonly stop = new AbortController();
  private stopping = false;
  private firstReady?: Promise<void>;
  private readonly log: Logger;

  private constructor(
    private readonly options: ReadModelManagerOptions<D>,
    private readonly store: ReadModelStore,
  ) {
    this.log = options.log.child({ readModelVersion: options.readModel.version });
  }

  /** Opens the database, creates the registry, and prepares this replica's generations (creating and migrating as needed). */
  static async open<D>(options: ReadModelManagerOptions<D>): Promise<ReadModelManager<D>> {
    const store = await openReadModelStore(options.location);
    const manager = new ReadModelManager(options, store);
    try {
      await manager.prepare();
    } catch (err) {
      await store.close();
      throw new Error('preparing the read model', { cause: err });
    }
    return manager;
  }

  get declaredVersion(): number {
    return this.options.readModel.version;
  }

  private get threshold(): number {
    return this.options.readModel.switchLagThreshold ?? DEFAULT_SWITCH_LAG_THRESHOLD;
  }

  private live(): Generation | undefined {
    return this.generations.find((g) => g.state === 'live');
  }

  private async prepare(): Promise<void> {
    const { fn } = this.options;
    const control = this.store.control;
    await control.transaction(async (tx) => {
      await takeLock(tx);
      for (const statement of REGISTRY_DDL) await tx.query(statement);
    });
    const created = await control.transaction(async (tx) => {
      await takeLock(tx);
      const generations = await listGenerations(tx, fn);
      const live = generations.find((g) => g.state === 'live');
      if (!live) return this.createGeneration(tx, generations, 'serve', { first: true });
      const building = generations.some((g) => g.state === 'building' && g.purpose === 'serve' && g.version === this.declaredVersion);
      if (live.version < this.declaredVersion && !building) return this.createGeneration(tx, generations, 'serve', { first: false });
      return undefined;
    });
    if (created) await this.migrateGeneration(created);
    // A replica restarted mid-build finds its generation already there: migrations are idempotent, run them anyway.
    this.generations = await listGenerations(control, fn);
    const live = this.live();
    if (live && live.version > this.declaredVersion) {
      this.log.warn(
        { live: live.label },
        `read model ${live.label} is live; this replica declares v${this.declaredVersion} and consumes nothing`,
      );
    }
  }

  private async createGeneration(
    tx: SqlExecutor,
    existing: readonly Generation[],
    purpose: GenerationPurpose,
    options: { first: boolean; acceptParked?: boolean },
  ): Promise<Generation> {
    const { fn, subscription, client } = this.options;
    const label = nextLabel(existing, this.declaredVersion, purpose);
    const schema = schemaFor(fn, label);
    const group = groupFor(subscription.group, label, options.first);
    // The first generation of a function has nothing to be beside: it is live from the start and fills as events arrive.
    const targetCommit = options.first ? undefined : await lastSourcePosition(client, subscription.source);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await insertGeneration(tx, {
      fn,
      label,
      version: this.declaredVersion,
      purpose,
      state: options.first ? 'live' : 'building',
      schema,
      group,
      ...(targetCommit === undefined ? {} : { targetCommit }),
      acceptParked: options.acceptParked ?? false,
    });
    this.log.info(
      { label, schema, group, purpose, first: options.first },
      options.first ? 'read model created' : 'read model build started',
    );
    const [created] = (await listGenerations(tx, fn)).filter((g) => g.label === label);
    if (!created) throw new Error(`generation ${label} vanished after insert`);
    return created;
  }

  private async migrateGeneration(generation: Generation): Promise<void> {
    const applied = await migrate(this.store.bind(generation.schema), this.options.readModel.migrations);
    if (applied.length > 0)
      this.log.info({ label: generation.label, schema: generation.schema, migrations: applied }, 'read model migrated');
  }

  /** Starts consuming and the poll loop. */
  start(): void {
    this.reconcile();
    const initial = [...this.consumers.values()].map((c) => c.runner.ready);
    this.firstReady = Promise.all(initial).then(() => {});
    this.loop ??= this.run();
  }

  /** Resolves once every generation this replica consumed at start-up is subscribed (at once when it consumes none). */
  get ready(): Promise<void> {
    return this.firstReady ?? Promise.resolve();
  }

  /** The generation readers see: the live one. */
  servingDb(): ReadModelDb {
    const live = this.live();
    if (!live) throw new Error(`function '${this.options.fn}' has no live read model`);
    return this.store.bind(live.schema);
  }

  notReadyReasons(): string[] {
    const reasons: string[] = [];
    const live = this.live();
    const declared = this.declaredVersion;
    if (live && live.version > declared) reasons.push(`superseded: read model ${live.label} is live, this replica declares v${declared}`);
    if (live && live.version < declared) reasons.push(`read model v${declared} is building; ${live.label} serves until it has caught up`);
    for (const { generation, runner } of this.consumers.values()) {
      if (!runner.isLive()) reasons.push(`subscription ${generation.group} not live`);
    }
    return reasons;
  }

  private desired(): Generation[] {
    return this.generations.filter((g) => (g.state === 'live' || g.state === 'building') && g.version === this.declaredVersion);
  }

  /** Starts a runner for each generation to consume, and drains those no longer wanted. */
  private reconcile(): void {
    if (this.stopping) return;
    const wanted = new Map(this.desired().map((g) => [g.label, g]));
    for (const [label, consumer] of this.consumers) {
      if (wanted.has(label)) continue;
      this.consumers.delete(label);
      const drained = this.flush(consumer).finally(() => consumer.runner.drain(0));
      this.draining.set(label, drained);
      void drained.finally(() => {
        if (this.draining.get(label) === drained) this.draining.delete(label);
      });
      this.log.info({ label, group: consumer.generation.group }, 'stopped consuming a read model generation');
    }
    for (const [label, generation] of wanted) {
      if (this.consumers.has(label)) continue;
      this.consumers.set(label, this.consume(generation));
    }
  }

  private get liveConcurrency(): number {
    return this.options.concurrency ?? this.options.subscription.concurrency ?? DEFAULT_CONCURRENCY;
  }

  private consume(generation: Generation): Consumer<D> {
    const { subscription } = this.options;
    const readModel = this.store.bind(generation.schema);
    const consumer: Consumer<D> = { generation, applied: 0, runner: undefined as unknown as SubscriptionRunner<D> };
    const handle = async (event: Parameters<typeof subscription.handle>[0], ctx: HandlerContext<D>) => {
      await subscription.handle(event, ctx);
      consumer.applied++;
    };
    const bound = { ...subscription, group: generation.group, handle };
    const runner = new SubscriptionRunner<D>({
      fn: this.options.fn,
      subscription: bound,
      client: this.options.client,
      log: this.log.child({ readModel: generation.label }),
      metrics: this.options.metrics,
      ...(generation.state === 'building'
        ? { concurrency: Math.max(BUILD_CONCURRENCY, this.liveConcurrency), readBatchSize: BUILD_READ_BATCH_SIZE }
        : { concurrency: this.liveConcurrency }),
      retry: this.options.retry,
      reader: this.options.reader,
      deps: this.options.deps,
      readModel,
      mayConsume: () => this.mayConsume(generation.label),
    });
    Object.assign(consumer, { runner });
    // Another replica may have created the generation a moment ago: its tables exist once migrations ran here too.
    this.migrateGeneration(generation).then(
      () => {
        if (this.consumers.get(generation.label) !== consumer) return;
        runner.start();
        this.log.info({ label: generation.label, group: generation.group, state: generation.state }, 'consuming a read model generation');
      },
      (err: unknown) => {
        // Dropped from the map, so the next poll tries again.
        if (this.consumers.get(generation.label) === consumer) this.consumers.delete(generation.label);
        this.log.warn({ err, label: generation.label }, 'could not migrate a read model generation');
      },
    );
    return consumer;
  }

  /** Asked before each (re)subscribe: a retired or aborted generation's group must not be created again. */
  private async mayConsume(label: string): Promise<boolean> {
    try {
      const { rows } = await this.store.control.query<{ state: string }>(
        `SELECT state FROM ${REGISTRY_TABLE} WHERE fn = $1 AND label = $2`,
        [this.options.fn, label],
      );
      const state = rows[0]?.state;
      return state === 'live' || state === 'building';
    } catch {
      // The database is away: subscribing is harmless (handlers fail and retry), refusing would stall a healthy version.
      return true;
    }
  }

  private async flush(consumer: Consumer<D>): Promise<void> {
    if (consumer.applied === 0 || consumer.generation.state !== 'building') return;
    const delta = consumer.applied;
    consumer.applied = 0;
    try {
      await setGenerationFields(this.store.control, this.options.fn, consumer.generation.label, { replayedDelta: delta });
    } catch (err) {
      consumer.applied += delta;
      this.log.warn({ err }, 'could not record build progress');
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.tick();
      } catch (err) {
        this.log.warn({ err }, 'read model poll failed');
      }
      await sleep(POLL_MS, this.stop.signal);
    }
  }

  private async tick(): Promise<void> {
    for (const consumer of this.consumers.values()) await this.flush(consumer);
    this.generations = await listGenerations(this.store.control, this.options.fn);
    for (const consumer of this.consumers.values()) {
      const fresh = this.generations.find((g) => g.label === consumer.generation.label);
      if (!fresh) continue;
      // A build switched in (here or by another replica) now serves live traffic: back to live-sized batches.
      if (consumer.generation.state === 'building' && fresh.state === 'live') consumer.runner.setConcurrency(this.liveConcurrency);
      Object.assign(consumer, { generation: fresh });
    }
    const now = Date.now();
    for (const g of this.generations) {
      if (g.state !== 'building') continue;
      const rate = this.rates.get(g.label) ?? new BuildRate();
      this.rates.set(g.label, rate);
      rate.sample(now, g.replayed);
      if (g.targetEvents === undefined) this.countTarget(g);
    }
    this.reconcile();
    if (this.stopping) return;
    for (const g of this.desired()) {
      if (g.state === 'building') await this.maybeFinish(g);
    }
    for (const g of this.generations) {
      // A replica that subscribed just before the drop may have created the group again: delete it once more for a while.
      if (g.state === 'dropped' && g.droppedAt !== undefined && Date.parse(g.droppedAt) > now - RESWEEP_MS) {
        await deleteGroup(this.options.client, this.options.subscription.source, g.group);
      }
      const due =
        g.state === 'aborted' ||
        g.state === 'verified' ||
        (g.state === 'retired' && g.dropAfter !== undefined && Date.parse(g.dropAfter) <= now);
      if (due) await this.drop(g);
    }
  }

  /** Counts, once, the events the build has to replay (for progress and ETA); in the background, a long log takes a while. */
  private countTarget(g: Generation): void {
    if (this.counting.has(g.label)) return;
    this.counting.add(g.label);
    const { client, subscription, fn } = this.options;
    void (async () => {
      try {
        const upTo = g.targetCommit ?? -1n;
        const { count } = await countSourceEvents(client, subscription.source, { upTo, cap: Number.MAX_SAFE_INTEGER });
        await setGenerationFields(this.store.control, fn, g.label, { targetEvents: count });
      } catch (err) {
        this.counting.delete(g.label);
        if (!this.stopping) this.log.warn({ err, label: g.label }, 'could not count the events to replay');
      }
    })();
  }

  /**
   * The build's backlog: events after its checkpoint (counted up to `cap`: the count reads `$all`, so
   * it stays small), and whether it is past the position the live version had when it began.
   */
  private async backlog(g: Generation, cap: number) {
    const { client, subscription } = this.options;
    const standing = await groupStanding(client, subscription.source, g.group);
    // The emulator reports a checkpoint past events a fresh filtered group has not processed yet (past what it
    // has read, until its read-ahead passes it). A checkpoint past the target is believed once the build has
    // applied (or parked) as many events as the source held up to the target, or once this replica has seen
    // the group's checkpoint short of the target first (then it got there by processing). Not the count
    // alone: a replica killed mid-build loses the progress it had not recorded yet.
    const { checkpoint } = standing;
    if (checkpoint && !standing.beyondRead && g.targetCommit !== undefined && checkpoint.at < g.targetCommit) this.seenShort.add(g.label);
    const appliedEnough = g.targetEvents !== undefined && g.replayed + standing.parked >= g.targetEvents;
    const believable = appliedEnough || (!standing.beyondRead && (g.targetCommit === undefined || this.seenShort.has(g.label)));
    const passedTarget =
      believable && (g.targetCommit === undefined || (standing.checkpoint !== undefined && standing.checkpoint.at >= g.targetCommit));
    this.parked.set(g.label, standing.parked);
    // Before the target nothing more is needed to decide, and a count would only load the event store.
    if (!passedTarget) return { standing, passedTarget, lag: undefined };
    const lag = await countSourceEvents(client, subscription.source, {
      ...(standing.checkpoint ? { after: standing.checkpoint } : {}),
      cap,
    });
    return { standing, passedTarget, lag };
  }

  private async maybeFinish(g: Generation): Promise<void> {
    // A verify compares with the live version, so it waits until nothing at all is left to apply.
    const threshold = g.purpose === 'verify' ? 0 : this.threshold;
    const { standing, passedTarget, lag } = await this.backlog(g, threshold + 1);
    if (!standing.exists || !passedTarget || !lag || lag.capped || lag.count > threshold) return;
    if (standing.parked > 0 && !g.acceptParked) {
      const message = `${standing.parked} event(s) parked in group ${g.group}: the build does not switch (fix the projector and rebuild, or accept with --accept-parked)`;
      if (g.message !== message) {
        this.log.warn({ label: g.label, parked: standing.parked }, message);
        await setGenerationFields(this.store.control, this.options.fn, g.label, { message });
      }
      return;
    }
    if (g.purpose === 'verify') await this.verify(g);
    else await this.switchTo(g);
  }

  private async switchTo(g: Generation): Promise<void> {
    const { fn, client, subscription } = this.options;
    let retired: Generation | undefined;
    try {
      retired = await this.store.control.transaction(async (tx) => {
        await takeLock(tx);
        const current = await listGenerations(tx, fn);
        if (current.find((c) => c.label === g.label)?.state !== 'building') throw new SwitchLost();
        const live = current.find((c) => c.state === 'live');
        if (live) await moveGeneration(tx, fn, live.label, 'live', 'retired', { dropAfterMs: this.options.dropGraceMs });
        const message = `switched in after replaying ${g.replayed} events`;
        if (!(await moveGeneration(tx, fn, g.label, 'building', 'live', { message }))) throw new SwitchLost();
        return live;
      });
    } catch (err) {
      if (err instanceof SwitchLost) return;
      throw err;
    }
    this.log.info({ label: g.label, retired: retired?.label, dropGraceMs: this.options.dropGraceMs }, 'read model switched');
    // The retired version stops consuming now; its tables stay for the grace period, for readers that looked it up just before.
    if (retired) await deleteGroup(client, subscription.source, retired.group);
  }

  private async verify(g: Generation): Promise<void> {
    const { fn } = this.options;
    const live = this.live();
    let result: unknown;
    let message: string;
    if (!live || live.version !== g.version) {
      message = `nothing to compare with: the live version is ${live?.label ?? 'none'}`;
      result = { error: message };
    } else {
      let comparison = await this.compareOnce(live.schema, g.schema);
      for (let attempt = 1; attempt < VERIFY_ATTEMPTS && comparison.differences.length > 0; attempt++) {
        await sleep(VERIFY_RETRY_MS, this.stop.signal);
        comparison = await this.compareOnce(live.schema, g.schema);
      }
      result = { live: live.label, ...comparison };
      message =
        comparison.differences.length === 0
          ? `identical: ${comparison.tables.length} tables, ${comparison.rows} rows in ${live.label}`
          : `differs from ${live.label} in ${comparison.differences.map((d) => d.table).join(', ')}`;
    }
    if (await moveGeneration(this.store.control, fn, g.label, 'building', 'verified', { message, result })) {
      this.log.info({ label: g.label, message }, 'read model verified');
    }
  }

  private compareOnce(live: string, rebuild: string) {
    return this.store.control.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      return compareSchemas(tx, live, rebuild);
    });
  }

  private async drop(g: Generation): Promise<void> {
    const { fn, client, subscription } = this.options;
    const dropped = await this.store.control.transaction(async (tx) => {
      await takeLock(tx);
      if (!(await moveGeneration(tx, fn, g.label, g.state, 'dropped'))) return false;
      await tx.query(`DROP SCHEMA IF EXISTS ${g.schema} CASCADE`);
      return true;
    });
    if (!dropped) return;
    await this.draining.get(g.label);
    await deleteGroup(client, subscription.source, g.group);
    await this.store.release(g.schema);
    this.rates.delete(g.label);
    this.log.info({ label: g.label, schema: g.schema, group: g.group, was: g.state }, 'read model generation dropped');
  }

  /** Starts a build (or, with `acceptParked` on a running one, lets it switch); any replica may take the request. */
  async rebuild(request: RebuildRequest): Promise<Generation> {
    const { fn } = this.options;
    if (request.toVersion !== undefined && request.toVersion !== this.declaredVersion) {
      throw new BusinessRuleError(
        'VERSION_NOT_DECLARED',
        `this replica declares read model v${this.declaredVersion}, not v${request.toVersion}: deploy that version to build it`,
      );
    }
    const purpose: GenerationPurpose = request.verify ? 'verify' : 'serve';
    const created = await this.store.control.transaction(async (tx) => {
      await takeLock(tx);
      const generations = await listGenerations(tx, fn);
      const running = generations.find((g) => g.state === 'building' && g.purpose === purpose);
      if (running && request.acceptParked && purpose === 'serve') {
        await setGenerationFields(tx, fn, running.label, { acceptParked: true, message: null });
        return { ...running, acceptParked: true, existing: true };
      }
      if (running) throw new ConcurrencyError(`build ${running.label} is already running (abort it first)`, 'BUILD_IN_PROGRESS');
      const live = generations.find((g) => g.state === 'live');
      if (live && live.version > this.declaredVersion) {
        throw new BusinessRuleError('SUPERSEDED', `read model ${live.label} is live; this replica declares v${this.declaredVersion}`);
      }
      if (purpose === 'verify' && live?.version !== this.declaredVersion) {
        throw new BusinessRuleError(
          'NOTHING_TO_VERIFY',
          `verify rebuilds the live version, and ${live?.label ?? 'none'} is not v${this.declaredVersion}`,
        );
      }
      return {
        ...(await this.createGeneration(tx, generations, purpose, { first: false, acceptParked: request.acceptParked })),
        existing: false,
      };
    });
    const { existing, ...generation } = created;
    if (!existing) {
      try {
        await this.migrateGeneration(generation);
      } catch (err) {
        await moveGeneration(this.store.control, fn, generation.label, 'building', 'aborted', { message: 'migrations failed' });
        throw err;
      }
    }
    this.generations = await listGenerations(this.store.control, fn);
    this.reconcile();
    return this.generations.find((g) => g.label === generation.label) ?? generation;
  }

  /** Abandons every running build; the live version is untouched. */
  async abort(): Promise<Generation[]> {
    const { fn } = this.options;
    const aborted = await this.store.control.transaction(async (tx) => {
      await takeLock(tx);
      const building = (await listGenerations(tx, fn)).filter((g) => g.state === 'building');
      for (const g of building) await moveGeneration(tx, fn, g.label, 'building', 'aborted', { message: 'aborted on request' });
      return building;
    });
    if (aborted.length === 0) throw new NotFoundError(`no read model build of '${fn}' is running`);
    this.log.info({ labels: aborted.map((g) => g.label) }, 'read model build aborted');
    this.generations = await listGenerations(this.store.control, fn);
    this.reconcile();
    return this.generations.filter((g) => aborted.some((a) => a.label === g.label));
  }

  /** Where everything stands, with progress figures for running builds. */
  async status(): Promise<ReadModelStatus> {
    const generations = await listGenerations(this.store.control, this.options.fn);
    const live = generations.find((g) => g.state === 'live');
    const builds: BuildProgress[] = [];
    for (const g of generations.filter((x) => x.state === 'building').reverse()) builds.push(await this.progress(g));
    return {
      function: this.options.fn,
      declaredVersion: this.declaredVersion,
      ...(live ? { serving: { label: live.label, version: live.version, group: live.group, schema: live.schema } } : {}),
      builds,
      generations,
    };
  }

  private async progress(g: Generation): Promise<BuildProgress> {
    const rate = this.rates.get(g.label)?.perSecond() ?? 0;
    let lag: number | undefined;
    let parked = this.parked.get(g.label) ?? 0;
    const untilTarget = g.targetEvents === undefined ? undefined : Math.max(0, g.targetEvents - g.replayed);
    try {
      const measured = await this.backlog(g, LAG_COUNT_CAP);
      parked = measured.standing.parked;
      // Short of the target the log is counted only once, at the start: what it held less what has been applied.
      lag =
        measured.lag === undefined
          ? untilTarget
          : measured.lag.capped
            ? Math.max(measured.lag.count, untilTarget ?? 0)
            : measured.lag.count;
    } catch (err) {
      this.log.debug({ err }, 'could not measure the build backlog');
    }
    return {
      label: g.label,
      version: g.version,
      purpose: g.purpose,
      state: g.state,
      group: g.group,
      startedAt: g.startedAt,
      replayed: g.replayed,
      ...(g.targetEvents === undefined ? {} : { total: g.targetEvents }),
      ...(lag === undefined ? {} : { lag }),
      ratePerSecond: Math.round(rate),
      ...(lag !== undefined && rate > 0 ? { etaSeconds: Math.ceil(lag / rate) } : {}),
      parked,
      acceptParked: g.acceptParked,
      ...(g.message === undefined ? {} : { message: g.message }),
    };
  }

  /** Stops the poll loop, drains every runner (up to the deadline), and closes the database. */
  async drain(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.stop.abort();
    if (this.loop) await within(this.loop, deadlineMs);
    await Promise.all([...this.consumers.values()].map((c) => c.runner.drain(deadlineMs)));
    for (const consumer of this.consumers.values()) await this.flush(consumer);
  }

  isLive(): boolean {
    return [...this.consumers.values()].every((c) => c.runner.isLive());
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
