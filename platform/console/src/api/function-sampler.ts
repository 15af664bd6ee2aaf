import type { EventStoreDBClient } from '@eventstore/db-client';
import type { ReplicaState } from '../gateway/replica-tracker';
import type { DeclaredRoute } from '../gateway/route-table';
import type { ConsoleFunction, GroupMeasurement, ScalingTick } from './console-function';
import { addBuckets, type Buckets, bucketDelta, parsePrometheus, quantile } from './prometheus';
import { fetchReadModel, type ReadModelSummary, summarizeReadModel } from './read-models';

export interface HistoryPoint {
  readonly at: number;
  readonly lag: number | null;
  readonly replicas: number;
  readonly eventsPerSecond: number | null;
}

export interface ScalingView {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The autoscaler's latest decision (every tick decides, "no change" included). */
  readonly latest?: { readonly at: string; readonly replicas: number; readonly reason: string; readonly error?: string };
  /** The last decision that changed the replica count. */
  readonly lastChange?: { readonly at: string; readonly from: number; readonly to: number; readonly reason: string };
}

export interface FunctionView {
  readonly name: string;
  readonly routes: readonly { readonly method: string; readonly path: string }[];
  /** Its replicas one by one where the host knows them (`spillway dev`); empty in a cluster, where they are counted. */
  readonly replicas: readonly ReplicaState[];
  readonly replicaCount: number;
  /** Ready replicas; in a cluster, the replicas consuming its group (a replica is ready once its subscription is live). */
  readonly readyReplicas: number;
  readonly ready: boolean;
  readonly subscription?: {
    readonly source: string;
    readonly group: string;
    readonly lag?: number;
    readonly capped?: boolean;
    readonly inFlight?: number;
    readonly parked?: number;
    readonly consumers?: number;
    readonly error?: string;
  };
  /** Events handled per second over the last sampling interval, summed over replicas. */
  readonly eventsPerSecond: number | null;
  /** Handler duration p99 (bucket upper bound), over the last minute, or since start when nothing ran in it. */
  readonly handlerP99Seconds: number | null;
  readonly scaling?: ScalingView;
  /** Its read model (a projector's `GET /read-model`, or in a cluster its groups): the version serving, and the builds in progress. */
  readonly readModel?: ReadModelSummary;
  readonly history: readonly HistoryPoint[];
}

/** How often the console samples: the live view moves every two seconds. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 2_000;
// Ten minutes of two-second points: "the last minutes" of the chart.
const HISTORY_POINTS = 300;
const P99_WINDOW_MS = 60_000;
// After a pause in sampling (nobody looked) the first rate would average over the pause: it is left out.
const RATE_WINDOW_MS = 3 * DEFAULT_SAMPLE_INTERVAL_MS;
// A script's or page's API calls keep the sampler going this long after the last one.
const IDLE_AFTER_MS = 60_000;
const METRICS_TIMEOUT_MS = 2_000;
const PROCESSED = 'spillway_events_processed_total';
const DURATION = 'spillway_handler_duration_seconds';

interface Scrape {
  readonly at: number;
  /** Events processed so far: the replicas' counters summed, or the group's own count where replicas are not reached. */
  readonly processed?: number;
  readonly buckets: Buckets;
  readonly replicas: string;
}

interface FunctionState {
  scrapes: Scrape[];
  history: HistoryPoint[];
  lastChange?: ScalingView['lastChange'];
}

async function scrape(urls: readonly string[]): Promise<{ processed: number; buckets: Buckets }> {
  let processed = 0;
  const buckets: Buckets = new Map();
  await Promise.all(
    urls.map(async (url) => {
      const text = await fetch(`${url}/metrics`, {
        headers: { connection: 'close' },
        signal: AbortSignal.timeout(METRICS_TIMEOUT_MS),
      }).then(
        (r) => (r.ok ? r.text() : ''),
        () => '',
      );
      const samples = parsePrometheus(text, [PROCESSED, `${DURATION}_bucket`]);
      processed += samples.filter((s) => s.name === PROCESSED).reduce((sum, s) => sum + s.value, 0);
      addBuckets(buckets, samples, DURATION);
    }),
  );
  return { processed, buckets };
}

/**
 * Samples every function on an interval: its replicas and their readiness (the gateway's tracker, or
 * the autoscaler's count in a cluster), its group's lag and parked count (the autoscaler's own
 * measurement), events/s and handler p99 (each ready replica's /metrics; in a cluster, events/s from
 * the group's processed count), its read model's builds, and the autoscaler's decisions; keeps a few
 * minutes of history.
 */
export class FunctionSampler {
  private readonly state = new Map<string, FunctionState>();
  private views: FunctionView[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private readonly listeners = new Set<(views: readonly FunctionView[]) => void>();
  private watchers = 0;
  private lastDemand = 0;
  private sampledAt = 0;

  constructor(
    private readonly options: {
      readonly client: EventStoreDBClient;
      /** Read on every sample: a cluster's functions come and go with their Deployments. */
      readonly functions: () => readonly ConsoleFunction[];
      readonly routes?: readonly DeclaredRoute[];
      readonly intervalMs?: number;
    },
  ) {}

  /**
   * Samples every interval while someone looks: an open live page (`watch`), or an API call within the
   * last minute. Nobody looking, nothing is scraped, so an unwatched `spillway dev` pays nothing for it.
   */
  start(): void {
    const loop = async () => {
      if (this.watchers > 0 || Date.now() - this.lastDemand < IDLE_AFTER_MS) {
        await this.sampleShared();
      }
      if (this.timer !== undefined) this.timer = setTimeout(loop, this.options.intervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS);
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** A live page is open: sample on every interval until the returned function is called. */
  watch(): () => void {
    this.watchers++;
    let released = false;
    return () => {
      if (!released) this.watchers--;
      released = true;
    };
  }

  /** The latest sample, taken now when there is none yet or it is older than two intervals. */
  async current(): Promise<readonly FunctionView[]> {
    this.lastDemand = Date.now();
    const staleAfter = 2 * (this.options.intervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS);
    if (this.views.length === 0 || Date.now() - this.sampledAt > staleAfter) await this.sampleShared();
    return this.views;
  }

  /** One sample at a time: callers arriving while one runs share it. */
  private sampleShared(): Promise<void> {
    this.inFlight ??= this.sample()
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  onSample(listener: (views: readonly FunctionView[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async sample(): Promise<void> {
    const functions = this.options.functions();
    for (const name of this.state.keys()) if (!functions.some((fn) => fn.name === name)) this.state.delete(name);
    const now = Date.now();
    this.views = await Promise.all(functions.map((fn) => this.view(fn, now)));
    this.sampledAt = now;
    for (const listener of this.listeners) listener(this.views);
  }

  private async view(fn: ConsoleFunction, now: number): Promise<FunctionView> {
    let state = this.state.get(fn.name);
    if (!state) {
      state = { scrapes: [], history: [] };
      this.state.set(fn.name, state);
    }
    const outcome = fn.latest?.();
    // A scaled function's lag is what the autoscaler measured on its last tick; the group is measured here
    // only for functions it does not scale, so a watched console does not double the load of lag measuring.
    let measured: { measurement?: GroupMeasurement; error?: string } = outcome?.measurement ? { measurement: outcome.measurement } : {};
    if (!outcome?.measurement && fn.subscription && fn.measure) {
      measured = await fn.measure(this.options.client).then(
        (measurement) => ({ measurement }),
        (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
      );
    }
    const { measurement } = measured;

    const known = fn.replicas?.();
    const ready = known?.filter((r) => r.ready).map((r) => r.url) ?? [];
    const scraped = known ? await scrape(ready) : { processed: measurement?.processedTotal, buckets: new Map() as Buckets };
    const scrapeNow: Scrape = { at: now, ...scraped, replicas: ready.join(',') };
    const previous = state.scrapes.at(-1);
    state.scrapes.push(scrapeNow);
    while (state.scrapes.length > 0 && now - state.scrapes[0]!.at > P99_WINDOW_MS) state.scrapes.shift();

    // Counters restart with a replica (or the server): a drop means the set changed, so this interval has no rate.
    const eventsPerSecond =
      previous?.processed !== undefined &&
      scrapeNow.processed !== undefined &&
      scrapeNow.processed >= previous.processed &&
      now > previous.at &&
      now - previous.at <= RATE_WINDOW_MS
        ? ((scrapeNow.processed - previous.processed) * 1000) / (now - previous.at)
        : null;
    const oldest = state.scrapes[0]!;
    const window = bucketDelta(scrapeNow.buckets, oldest.buckets);
    const p99 = (window && quantile(window, 0.99)) ?? quantile(scrapeNow.buckets, 0.99) ?? null;

    const subscription = fn.subscription
      ? {
          ...fn.subscription,
          ...(measurement
            ? {
                lag: measurement.lag,
                capped: measurement.capped,
                inFlight: measurement.inFlight,
                parked: measurement.parked,
                consumers: measurement.consumers ?? 0,
              }
            : {}),
          ...(measured.error ? { error: measured.error } : outcome?.error ? { error: outcome.error.message } : {}),
        }
      : undefined;

    if (outcome?.decision && outcome.applied && outcome.decision.replicas !== outcome.currentReplicas) {
      state.lastChange = {
        at: new Date(outcome.at).toISOString(),
        from: outcome.currentReplicas,
        to: outcome.decision.replicas,
        reason: outcome.decision.reason,
      };
    }
    const scaling = fn.scaling ? scalingView(fn.scaling, outcome, state.lastChange) : undefined;
    const replicaCount = known ? known.length : outcome ? replicasAfter(outcome) : 0;
    const readyReplicas = known ? ready.length : (measurement?.consumers ?? 0);
    const readModel = fn.readModel && ready[0] ? await readModelOf(ready[0]) : fn.readModelFromGroups?.();

    state.history.push({ at: now, lag: subscription?.lag ?? null, replicas: replicaCount, eventsPerSecond });
    if (state.history.length > HISTORY_POINTS) state.history.shift();
    return {
      name: fn.name,
      routes: (this.options.routes ?? []).filter((r) => r.fn === fn.name).map(({ method, path }) => ({ method, path })),
      replicas: known ?? [],
      replicaCount,
      readyReplicas,
      ready: readyReplicas > 0,
      ...(subscription ? { subscription } : {}),
      eventsPerSecond,
      handlerP99Seconds: p99,
      ...(scaling ? { scaling } : {}),
      ...(readModel ? { readModel } : {}),
      history: [...state.history],
    };
  }
}

/** The replica count a tick left: what it applied, else what it found. */
function replicasAfter(outcome: ScalingTick): number {
  return outcome.applied && outcome.decision ? outcome.decision.replicas : outcome.currentReplicas;
}

function scalingView(
  range: { readonly minReplicas: number; readonly maxReplicas: number },
  outcome: ScalingTick | undefined,
  lastChange: ScalingView['lastChange'],
): ScalingView {
  return {
    ...range,
    ...(outcome
      ? {
          latest: {
            at: new Date(outcome.at).toISOString(),
            replicas: outcome.decision?.replicas ?? outcome.currentReplicas,
            reason: outcome.decision?.reason ?? 'no decision yet',
            ...(outcome.error ? { error: outcome.error.message } : {}),
          },
        }
      : {}),
    ...(lastChange ? { lastChange } : {}),
  };
}

async function readModelOf(replicaUrl: string): Promise<ReadModelSummary> {
  try {
    return summarizeReadModel(await fetchReadModel(replicaUrl));
  } catch (err) {
    return { builds: [], error: `reading ${replicaUrl}/read-model: ${err instanceof Error ? err.message : String(err)}` };
  }
}
