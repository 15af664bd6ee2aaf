import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStoreDBClient, StreamNotFoundError } from '@eventstore/db-client';
import type { DestinationStream, Logger } from 'pino';
import { ConfigError, insecureEventStore, loadConfig, type RuntimeConfig } from '../config';
import { checkDefinition } from '../contract/check-definition';
import type { EventSchemas, FunctionDefinition, SubscriptionDefinition } from '../contract/define-function';
import { sleep, within } from '../event-store/backoff';
import { TolerantReader } from '../event-store/tolerant-reader';
import { createApp } from '../http/create-app';
import { createExpressServer } from '../http/express-server';
import { createLogger } from '../observability/logger';
import { createMetrics, type RuntimeMetrics } from '../observability/metrics';
import { timeAppends } from '../observability/timed-appends';
import { ReadModelManager } from '../read-model/read-model-manager';
import { readModelRoutes } from '../read-model/read-model-routes';
import { type RetryPolicy, requiredMessageTimeoutMs, resolveRetryPolicy, retryPolicyProblems } from '../subscription/retry-policy';
import { DEFAULT_HANDLER_TIMEOUT_MS, SubscriptionRunner } from '../subscription/subscription-runner';

// Readiness probes arrive every few seconds per kubelet; one cheap read per second at most is plenty.
const PROBE_CACHE_MS = 1_000;
// A reachable EventStoreDB answers a one-event read in milliseconds; a second means it is not there.
const PROBE_DEADLINE_MS = 1_000;
const READY_POLL_MS = 200;
const CLIENT_DISPOSE_WAIT_MS = 2_000;

export type StartOptions = Partial<RuntimeConfig> & {
  /** Where logs go (stdout by default); tests capture them here. */
  readonly logDestination?: DestinationStream;
};

/** A function running in this process. */
export interface RunningFunction {
  /** Base URL of its HTTP server, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Resolves once the function is ready: its subscription is live (or, without one, EventStoreDB answers). */
  readonly ready: Promise<void>;
  readonly metrics: RuntimeMetrics;
  /** Why the function is not ready now (empty when it is). */
  notReadyReasons(): Promise<readonly string[]>;
  /** Drains (stops taking events and requests, finishes in-flight work up to the drain deadline) and closes everything it opened. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function reachabilityProbe(client: EventStoreDBClient, fn: string): () => Promise<boolean> {
  let last: { at: number; ok: Promise<boolean> } | undefined;
  // An ordinary stream nobody writes: reading it needs no rights on `$all` or system streams, and
  // "not found" is as good an answer as any to "are you there?".
  const stream = `spillway-probe-${fn}`;
  const probe = async () => {
    try {
      // Read to the end rather than break: a read abandoned half-way is never released, and dispose() waits for it.
      for await (const _ of client.readStream(stream, { maxCount: 1, deadline: PROBE_DEADLINE_MS })) {
      }
      return true;
    } catch (err) {
      return err instanceof StreamNotFoundError;
    }
  };
  // The read's deadline does not cover the client's first call (GetSupportedMethods has none): against a
  // server that accepts the connection and never answers, an unbounded probe left /readyz hanging.
  const bounded = async () => {
    let ok = false;
    const inTime = await within(
      probe().then((answer) => {
        ok = answer;
      }),
      PROBE_DEADLINE_MS,
    );
    return inTime && ok;
  };
  return () => {
    const now = Date.now();
    if (!last || now - last.at > PROBE_CACHE_MS) last = { at: now, ok: bounded() };
    return last.ok;
  };
}

/**
 * The retry policy in force: the declaration with the RETRY_* overrides. Checked as a whole, since a
 * variable can break what the declaration alone allowed, and against a declared message timeout the
 * server would otherwise hit while the runtime still holds an event for a retry.
 */
function checkedRetryPolicy(subscription: SubscriptionDefinition<EventSchemas, unknown>, config: RuntimeConfig): RetryPolicy {
  const policy = resolveRetryPolicy(subscription.retry, config.retry);
  const problems = retryPolicyProblems(policy, 'retry policy (subscription.retry with RETRY_* variables): ');
  const declaredTimeout = subscription.settings?.messageTimeoutMs;
  const needed = requiredMessageTimeoutMs(policy, subscription.timeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS);
  // 0 is "no timeout" to the server: nothing to collide with.
  if (declaredTimeout !== undefined && declaredTimeout !== 0 && declaredTimeout < needed) {
    problems.push(
      `subscription.settings.messageTimeoutMs: ${declaredTimeout} is shorter than the retry budget needs (${needed} ms = maxElapsedMs + timeoutMs + margin); leave it unset to have it derived`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return policy;
}

/** Says at start, in the log and as metrics, what security this process runs without. */
function reportSecurity(
  definition: Pick<FunctionDefinition<EventSchemas, unknown>, 'routes'>,
  config: RuntimeConfig,
  log: Logger,
  metrics: RuntimeMetrics,
): void {
  const open = config.apiTokens.length === 0 && (definition.routes?.length ?? 0) > 0;
  metrics.authDisabled.set(open ? 1 : 0);
  if (open) log.warn('authentication is off (AUTH=none): every route answers without a token');
  const insecure = insecureEventStore(config.esdbConnectionString);
  metrics.eventStoreInsecure.set(insecure ? 1 : 0);
  if (insecure) log.warn({ reason: insecure }, 'the EventStoreDB connection is not secured');
}

/**
 * Runs a function in this process: EventStoreDB client, `init`, HTTP server, subscription.
 * Options override the configuration (its defaults, or what an `env` option sets; never process.env).
 */
export async function startFunction<E extends EventSchemas, D>(
  definition: FunctionDefinition<E, D>,
  options: StartOptions = {},
): Promise<RunningFunction> {
  // Before anything is opened: a definition that cannot run stops start-up with nothing to close.
  checkDefinition(definition);
  const { logDestination, ...overrides } = options;
  // In-process (tests, embedding) the caller's code says what it wants: no tokens given means no auth.
  // An `env` option is parsed as the environment would be (DATABASE_URL, ...); explicit options still win.
  const config: RuntimeConfig = { ...loadConfig({ AUTH: 'none', ...(overrides.env ?? {}) }), ...overrides };
  if (config.auth === 'bearer' && config.apiTokens.length === 0) {
    throw new ConfigError(['API_TOKENS: required (comma-separated bearer tokens); set AUTH=none to run without authentication']);
  }
  const fn = definition.name;
  // The runtime handles any event map the same way; only the function's own code needs E.
  const generic = definition as unknown as FunctionDefinition<EventSchemas, D>;
  const subscription = generic.subscription;
  const retry = subscription ? checkedRetryPolicy(subscription, config) : undefined;
  const log = createLogger(fn, config.logLevel, logDestination);
  const metrics = createMetrics(fn, { group: subscription?.group, namespace: config.namespace });
  reportSecurity(definition, config, log, metrics);
  const client = EventStoreDBClient.connectionString(config.esdbConnectionString);
  timeAppends(client, metrics.appendDuration);
  const reader = new TolerantReader(fn, client, log, metrics);
  let deps: D;
  try {
    deps = definition.init ? await definition.init({ log, env: config.env }) : (undefined as D);
  } catch (err) {
    await client.dispose();
    throw new Error(`init of function '${fn}' failed`, { cause: err });
  }

  // A versioned read model runs its own runners (one per generation it consumes); otherwise one runner for the group.
  let readModel: ReadModelManager<D> | undefined;
  if (generic.readModel && subscription) {
    try {
      readModel = await ReadModelManager.open<D>({
        fn,
        readModel: generic.readModel,
        subscription,
        client,
        log,
        metrics,
        location: { databaseUrl: config.databaseUrl, dataDir: config.pgliteDataDir },
        dropGraceMs: config.readModelDropGraceMs,
        concurrency: config.concurrency,
        retry,
        reader,
        deps: () => deps,
      });
    } catch (err) {
      await definition.shutdown?.(deps).catch(() => {});
      await client.dispose();
      throw new Error(`read model of function '${fn}' failed to open`, { cause: err });
    }
  }
  const runner =
    subscription && !readModel
      ? new SubscriptionRunner<D>({
          fn,
          subscription,
          client,
          log,
          metrics,
          concurrency: config.concurrency,
          retry,
          reader,
          deps: () => deps,
        })
      : undefined;
  const reachable = reachabilityProbe(client, fn);
  let draining = false;
  const notReadyReasons = async () => {
    const reasons: string[] = [];
    if (draining) reasons.push('draining');
    if (runner && !runner.isLive()) reasons.push('subscription not live');
    if (readModel) reasons.push(...readModel.notReadyReasons());
    if (!(await reachable())) reasons.push('EventStoreDB unreachable');
    return reasons;
  };

  const app = createApp({
    reader,
    definition: generic,
    client,
    log,
    metrics,
    apiTokens: config.apiTokens,
    publicBaseUrl: config.publicBaseUrl,
    bodyLimitBytes: config.bodyLimitBytes,
    ...(config.maxInFlight === undefined ? {} : { maxInFlight: config.maxInFlight }),
    readiness: { notReadyReasons },
    deps: () => deps,
    ...(readModel ? { readModel: () => readModel.servingDb(), runtimeRoutes: readModelRoutes(readModel) } : {}),
  });
  const http = createExpressServer(app);
  let port: number;
  try {
    port = await listen(http, config.port, config.host);
  } catch (err) {
    await definition.shutdown?.(deps).catch(() => {});
    await readModel?.close();
    await client.dispose();
    throw new Error(`function '${fn}' cannot listen on ${config.host}:${config.port}`, { cause: err });
  }
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  runner?.start();
  readModel?.start();
  log.info({ port, group: subscription?.group }, 'function started');

  let closing: Promise<void> | undefined;
  const ready = (async () => {
    if (runner) return runner.ready;
    if (readModel) return readModel.ready;
    while (!draining && !(await reachable())) await sleep(READY_POLL_MS);
  })();

  async function close(): Promise<void> {
    draining = true;
    log.info({ drainTimeoutMs: config.drainTimeoutMs }, 'draining');
    const started = Date.now();
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
    await runner?.drain(config.drainTimeoutMs);
    await readModel?.drain(config.drainTimeoutMs);
    const left = Math.max(0, config.drainTimeoutMs - (Date.now() - started));
    await within(httpClosed, left);
    http.closeAllConnections();
    log.debug('http server closed');
    try {
      if (definition.shutdown) await definition.shutdown(deps);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
    }
    await readModel?.close().catch((err: unknown) => log.error({ err }, 'closing the read model failed'));
    // Bounded: the client waits for every stream it handed out, and a stuck one must not keep the process up.
    if (!(await within(client.dispose(), CLIENT_DISPOSE_WAIT_MS))) log.warn('the EventStoreDB client did not close in time');
    log.info('stopped');
  }

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    ready,
    metrics,
    notReadyReasons,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
