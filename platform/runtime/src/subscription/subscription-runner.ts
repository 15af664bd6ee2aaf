import type { EventStoreDBClient, PersistentSubscriptionToAll, PersistentSubscriptionToStream, ResolvedEvent } from '@eventstore/db-client';
import type { Logger } from 'pino';
import type { EventSchemas, HandlerContext, SkippedEvent, SubscriptionDefinition } from '../contract/define-function';
import { jitteredDelay, sleep, within } from '../event-store/backoff';
import { type Cause, causeFromEvent } from '../event-store/cause';
import { createEventStoreAccess } from '../event-store/create-event-store-access';
import type { EventStoreAccess } from '../event-store/event-store-access';
import { TolerantReader } from '../event-store/tolerant-reader';
import type { RuntimeMetrics } from '../observability/metrics';
import type { ReadModelDb } from '../read-model/sql-database';
import { AckBatcher } from './ack-batcher';
import { type RawDelivery, toDelivery, truncate, type Verdict, verdictForFailure, withTimeout } from './delivery';
import { ensureGroup } from './ensure-group';
import { type GroupSettings, groupSettings } from './group-settings';
import { nextRetry, type RetryPolicy, requiredMessageTimeoutMs, resolveRetryPolicy } from './retry-policy';
import { Slots } from './slots';

/** Events handled at once per replica unless the function or CONCURRENCY says otherwise. */
export const DEFAULT_CONCURRENCY = 10;
// Well under the server's default 30 s message timeout, so the runtime (not the server) decides a slow event failed.
export const DEFAULT_HANDLER_TIMEOUT_MS = 10_000;
// Events the server may push beyond those being handled (its buffer size bounds what this process holds),
// so the next one is already here when a slot frees.
const PREFETCH = 10;
// Reconnect quickly after a blip, but back off to a few seconds while EventStoreDB stays away.
const RECONNECT_BASE_MS = 200;
const RECONNECT_CAP_MS = 5_000;
// Acks are written before the cancel that ends the call; a short pause lets the server read them first.
const ACK_FLUSH_MS = 100;

// How long drain waits for the subscribe loop to notice it should stop, once in-flight events are answered.
const LOOP_EXIT_WAIT_MS = 1_000;

interface Answer {
  readonly verdict: Verdict;
  readonly log: () => Logger;
}

type Subscription = PersistentSubscriptionToAll | PersistentSubscriptionToStream;

export interface RunnerOptions<D> {
  readonly fn: string;
  readonly subscription: SubscriptionDefinition<EventSchemas, D>;
  readonly client: EventStoreDBClient;
  readonly log: Logger;
  readonly metrics: RuntimeMetrics;
  /** Overrides the subscription's declared concurrency (the CONCURRENCY variable). */
  readonly concurrency?: number;
  /** The process's tolerant reader (shared with its routes); one of its own when not given. */
  readonly reader?: TolerantReader;
  /** The retry policy in force (declared, with RETRY_* overrides); the declared one over the defaults when absent. */
  readonly retry?: RetryPolicy;
  deps(): D;
  /** Asked before each (re)subscribe; false ends the runner (its group was retired and must not be created again). */
  mayConsume?(): Promise<boolean>;
  /**
   * Events the server reads from the log at a time for this group, when it creates the group (a read-model
   * build's catch-up reads in larger pages than the server's default 20; the history buffer grows to match).
   */
  readonly readBatchSize?: number;
  /** The read-model version this runner's events build (`ctx.readModel`); without it `ctx.readModel` throws. */
  readonly readModel?: ReadModelDb;
}

// The server requires its history buffer to be larger than a read batch; this keeps a few batches in it.
const HISTORY_BUFFER_BATCHES = 4;

/**
 * What the attempts at one event share: its deps, its log and its store access, the last two built on
 * first use (most handlers never log, and a pino child per event is a measurable cost).
 *
 * Handler contexts are class instances with getters on the prototype, not object literals with getters:
 * V8 gives every such literal a map of its own, and what its getters reach (the event, the cause, the
 * handler's scope) then survives minor GCs until the next major one (measured in the README, Performance).
 */
class EventScope<D> {
  private access: EventStoreAccess | undefined;

  constructor(
    private readonly options: RunnerOptions<D>,
    private readonly reader: TolerantReader,
    private readonly cause: Cause,
    readonly log: () => Logger,
    readonly deps: D,
  ) {}

  eventStore(): EventStoreAccess {
    this.access ??= createEventStoreAccess(this.options.client, this.cause, this.reader);
    return this.access;
  }

  readModel(): ReadModelDb {
    if (this.options.readModel === undefined) throw new Error(`function '${this.options.fn}' declares no readModel`);
    return this.options.readModel;
  }
}

/** One attempt's context: its own signal, the rest from the event's scope. */
class AttemptContext<D> implements HandlerContext<D> {
  constructor(
    private readonly scope: EventScope<D>,
    private readonly signalOf: () => AbortSignal,
  ) {}

  get deps(): D {
    return this.scope.deps;
  }

  get signal(): AbortSignal {
    return this.signalOf();
  }

  get log(): Logger {
    return this.scope.log();
  }

  get eventStore(): EventStoreAccess {
    return this.scope.eventStore();
  }

  get readModel(): ReadModelDb {
    return this.scope.readModel();
  }
}

/**
 * Consumes one persistent subscription group: ensures the group, subscribes, handles events with
 * bounded concurrency (in order per stream, so Pinned groups keep each stream's order), acks / retries /
 * parks, resubscribes with backoff when the connection is lost, and drains on request.
 */
export class SubscriptionRunner<D> {
  private readonly declared: GroupSettings;
  private concurrency: number;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly reader: TolerantReader;
  private readonly log: Logger;
  private live = false;
  private stopping = false;
  private current?: Subscription;
  /** Ends the current consume() call: a cancelled call emits nothing the runner could wait for. */
  private endConsume?: () => void;
  private loop?: Promise<void>;
  private readonly tails = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly acks = new AckBatcher<ResolvedEvent>();
  private readonly slots: Slots;
  /** Aborts handlers still running when the drain deadline passes, and the reconnect sleep. */
  private readonly stop = new AbortController();
  private readonly wake = new AbortController();
  private firstLive!: () => void;
  /** Resolves the first time the subscription is confirmed. */
  readonly ready = new Promise<void>((resolve) => {
    this.firstLive = resolve;
  });

  constructor(private readonly options: RunnerOptions<D>) {
    this.concurrency = options.concurrency ?? options.subscription.concurrency ?? DEFAULT_CONCURRENCY;
    this.slots = new Slots(this.concurrency);
    this.timeoutMs = options.subscription.timeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS;
    this.retry = options.retry ?? resolveRetryPolicy(options.subscription.retry);
    // The server must not time out an event the runtime still holds for a retry: it would redeliver it meanwhile.
    const declared = groupSettings(options.subscription, requiredMessageTimeoutMs(this.retry, this.timeoutMs));
    const batch = options.readBatchSize;
    this.declared =
      batch === undefined
        ? declared
        : ({
            ...declared,
            settings: { ...declared.settings, readBatchSize: batch, historyBufferSize: batch * HISTORY_BUFFER_BATCHES },
          } as GroupSettings);
    this.log = options.log.child({ group: options.subscription.group });
    this.reader = options.reader ?? new TolerantReader(options.fn, options.client, this.log, options.metrics);
  }

  isLive(): boolean {
    return this.live && !this.stopping;
  }

  /**
   * Changes how many events are handled at once from now on (a read-model build that became the live
   * version goes back to the live concurrency); the server's buffer for this process follows at the next subscribe.
   */
  setConcurrency(concurrency: number): void {
    this.concurrency = concurrency;
    this.slots.resize(concurrency);
  }

  start(): void {
    this.loop ??= this.run();
  }

  private setLive(live: boolean) {
    this.live = live;
    this.options.metrics.subscriptionLive.set(live ? 1 : 0);
  }

  private async run(): Promise<void> {
    const { client, subscription } = this.options;
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        if (this.options.mayConsume && !(await this.options.mayConsume())) {
          this.log.info('not subscribing: the group is retired');
          break;
        }
        await ensureGroup(client, subscription.group, this.declared, this.log);
        if (this.stopping) break;
        const sub: Subscription =
          this.declared.kind === 'stream'
            ? client.subscribeToPersistentSubscriptionToStream(this.declared.stream, subscription.group, {
                bufferSize: this.concurrency + PREFETCH,
              })
            : client.subscribeToPersistentSubscriptionToAll(subscription.group, { bufferSize: this.concurrency + PREFETCH });
        this.current = sub;
        await this.consume(sub, () => {
          attempt = 0;
        });
      } catch (err) {
        this.log.warn({ err }, 'subscription failed');
      }
      this.setLive(false);
      if (this.stopping) break;
      this.options.metrics.reconnects.inc();
      const delay = RECONNECT_BASE_MS + jitteredDelay(attempt, RECONNECT_BASE_MS, RECONNECT_CAP_MS);
      this.log.info({ delayMs: delay }, 'resubscribing');
      await sleep(delay, this.wake.signal);
    }
  }

  /** Resolves when the subscription ends or fails; `onLive` runs on confirmation. */
  private consume(sub: Subscription, onLive: () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      let settled = false;
      const finish = (reason: string, err?: unknown) => {
        if (settled) return;
        settled = true;
        if (!this.stopping) this.log.warn({ err, reason }, 'subscription lost');
        // Destroy too: the client's dispose() waits for every stream it handed out to finish.
        void sub
          .unsubscribe()
          .catch(() => {})
          .finally(() => sub.destroy());
        resolve();
      };
      this.endConsume = () => finish('stopped');
      sub.on('confirmation', () => {
        this.setLive(true);
        onLive();
        this.firstLive();
        this.log.info('subscription live');
      });
      sub.on('data', (resolved: ResolvedEvent & { retryCount: number }) => this.accept(sub, resolved));
      sub.on('error', (err) => finish('error', err));
      sub.on('end', () => finish('end'));
      sub.on('close', () => finish('close'));
    });
  }

  private accept(sub: Subscription, resolved: ResolvedEvent & { retryCount: number }) {
    // Draining: take no new work. Not acking it means the server hands it to another consumer once we leave.
    if (this.stopping) return;
    const key = resolved.event?.streamId ?? '';
    const previous = this.tails.get(key);
    const run = () => this.process(resolved);
    // One stream's events are handled one after the other; their answers to the server need not wait.
    const outcome = (previous ? previous.then(run) : run()).catch((err: unknown) => {
      this.log.error({ err }, 'event processing failed unexpectedly');
      return undefined;
    });
    const handled = outcome.then(() => {});
    this.tails.set(key, handled);
    const task = outcome.then((answer) => (answer ? this.answer(sub, resolved, answer.verdict, answer.log) : undefined));
    this.inFlight.add(task);
    void task.finally(() => {
      this.inFlight.delete(task);
      if (this.tails.get(key) === handled) this.tails.delete(key);
    });
  }

  /** Validates and handles one event; resolves to how to answer the server, or undefined to say nothing. */
  private async process(resolved: ResolvedEvent & { retryCount: number }): Promise<Answer | undefined> {
    if (this.stopping) return undefined;
    const { metrics, subscription } = this.options;
    const delivery = toDelivery(resolved as RawDelivery, subscription.events);
    if (delivery.kind !== 'valid') return this.skip(resolved, delivery);
    const event = delivery.event;
    const cause = causeFromEvent(this.options.fn, event);
    // Built on first use: most handlers never log, and a pino child per event is a measurable cost.
    let eventLog: Logger | undefined;
    const logFor = () => {
      eventLog ??= this.log.child({ stream: event.streamId, eventId: event.id, correlationId: cause.correlationId, type: event.type });
      return eventLog;
    };
    const ctx = this.contextFor(cause, logFor);
    const attempt = () => withTimeout(this.timeoutMs, this.stop.signal, (signal) => subscription.handle(event, ctx(signal)));
    const verdict = await this.attemptWithRetries(attempt, event.type, event.retryCount, logFor);
    // Past the drain deadline the outcome is unknown: say nothing, and the server redelivers it elsewhere.
    if (verdict === undefined) return undefined;
    if (verdict.action === 'park') metrics.parks.inc({ type: event.type, reason: verdict.permanent ? 'permanent' : 'retries_exhausted' });
    metrics.eventsProcessed.inc({
      outcome: verdict.action === 'ack' ? 'acked' : verdict.action === 'retry' ? 'retried' : 'parked',
      type: event.type,
    });
    return { verdict, log: logFor };
  }

  /** A handler's context for one cause; `signal` is the per-attempt one, built on first use. */
  private contextFor(cause: Cause, logFor: () => Logger): (signal: () => AbortSignal) => HandlerContext<D> {
    const scope = new EventScope(this.options, this.reader, cause, logFor, this.options.deps());
    return (signal) => new AttemptContext(scope, signal);
  }

  /**
   * An event the handler will not see: an unknown type is acked (counted, logged once per type), an
   * invalid payload parked. Either way the subscription's `skip` hook runs first, in stream order, so
   * a handler that guards stream revisions can step past it (retried like a handler when it fails).
   */
  private async skip(
    resolved: ResolvedEvent & { retryCount: number },
    delivery: { readonly kind: 'unknown' | 'invalid'; readonly type: string; readonly reason: string },
  ): Promise<Answer | undefined> {
    const { metrics, subscription } = this.options;
    const raw = resolved.event;
    const child = this.log.child({ stream: raw?.streamId, eventId: raw?.id, type: delivery.type });
    const log = () => child;
    if (raw && subscription.skip) {
      const skipped: SkippedEvent = {
        type: raw.type,
        id: raw.id,
        streamId: raw.streamId,
        revision: raw.revision,
        reason: delivery.kind === 'unknown' ? 'unknown_type' : 'invalid',
        detail: delivery.reason,
      };
      const hook = subscription.skip;
      const ctx = this.contextFor(causeFromEvent(this.options.fn, { id: raw.id, metadata: {} }), log);
      const attempt = () => withTimeout(this.timeoutMs, this.stop.signal, (signal) => hook(skipped, ctx(signal)));
      // One label value for every unknown type: an unfiltered `$all` carries any number of them.
      const label = delivery.kind === 'unknown' ? '(unknown)' : delivery.type;
      const verdict = await this.attemptWithRetries(attempt, label, resolved.retryCount, log);
      if (verdict === undefined) return undefined;
      if (verdict.action !== 'ack') {
        if (verdict.action === 'park') metrics.parks.inc({ type: label, reason: 'skip_failed' });
        return { verdict: { action: verdict.action, reason: truncate(`skip hook failed: ${verdict.reason}`) }, log };
      }
    }
    if (delivery.kind === 'unknown') {
      this.reader.unknownType('subscription', delivery.type, raw?.streamId ?? '');
      metrics.eventsProcessed.inc({ outcome: 'unknown_type', type: '(unknown)' });
      return { verdict: { action: 'ack' }, log };
    }
    child.warn({ reason: delivery.reason }, 'parking an invalid event');
    metrics.parks.inc({ type: delivery.type, reason: 'invalid' });
    metrics.eventsProcessed.inc({ outcome: 'parked', type: delivery.type });
    return { verdict: { action: 'park', reason: delivery.reason }, log };
  }

  /**
   * Runs the handler until it succeeds, fails permanently, or the retry budget is spent, waiting with
   * backoff between attempts. A waiting event holds no slot (other events run meanwhile) but still holds
   * its stream: the stream's later events wait behind it, so their order is kept. Draining hands a
   * waiting event back to the server (nack retry) for another replica; undefined means "say nothing".
   */
  private async attemptWithRetries(
    attempt: () => Promise<void>,
    type: string,
    serverRetries: number,
    logFor: () => Logger,
  ): Promise<(Verdict & { readonly permanent?: boolean }) | undefined> {
    const { metrics } = this.options;
    const started = Date.now();
    for (let failures = 0; ; ) {
      let failure: Verdict | undefined;
      await this.slots.run(async () => {
        metrics.eventsInFlight.inc();
        const stopTimer = metrics.handlerDuration.startTimer({ type });
        try {
          await attempt();
        } catch (err) {
          failure = verdictForFailure(err);
          logFor().warn({ err, attempt: failures + 1, retryCount: serverRetries, action: failure.action }, 'handler failed');
        } finally {
          stopTimer();
          metrics.eventsInFlight.dec();
        }
      });
      if (this.stop.signal.aborted) return undefined;
      if (failure === undefined) return { action: 'ack' };
      if (failure.action !== 'retry') return { ...failure, permanent: true };
      failures++;
      const next = nextRetry(this.retry, failures, Date.now() - started);
      if (next.action === 'give-up') {
        logFor().warn({ reason: next.reason }, 'parking an event whose retries are spent');
        return { action: 'park', reason: truncate(`${next.reason}; last error: ${failure.reason}`) };
      }
      metrics.retries.inc({ type });
      metrics.eventsWaitingRetry.inc();
      try {
        await sleep(next.delayMs, this.wake.signal);
      } finally {
        metrics.eventsWaitingRetry.dec();
      }
      if (this.stopping) return { action: 'retry', reason: truncate(`handed back while draining; last error: ${failure.reason}`) };
    }
  }

  private async answer(sub: Subscription, resolved: ResolvedEvent, verdict: Verdict, log: () => Logger): Promise<void> {
    try {
      if (verdict.action === 'ack') await this.acks.ack(sub, resolved);
      else await sub.nack(verdict.action, verdict.reason, resolved);
    } catch (err) {
      // The subscription went away under us: the server will redeliver, and effects are idempotent.
      log().warn({ err, action: verdict.action }, 'could not answer the server');
    }
  }

  /**
   * Stops taking events, lets in-flight handlers finish and answers them, up to the deadline; then
   * aborts what is left (unanswered, so redelivered) and leaves the group.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.wake.abort();
    const waiting = this.inFlight.size;
    const inTime = await within(Promise.allSettled([...this.inFlight]), deadlineMs);
    if (!inTime) {
      this.log.warn({ unfinished: this.inFlight.size }, 'drain deadline passed; unfinished events will be redelivered');
      this.stop.abort(new Error('drain deadline passed'));
    }
    if (waiting > 0) await sleep(ACK_FLUSH_MS);
    await this.current?.unsubscribe().catch(() => {});
    this.endConsume?.();
    // The loop may be stuck creating the group while EventStoreDB is away: do not wait for that.
    if (this.loop) await within(this.loop, LOOP_EXIT_WAIT_MS);
    this.setLive(false);
    this.log.info({ drained: waiting }, 'subscription drained');
  }
}
