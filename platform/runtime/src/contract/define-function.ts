import type { Logger } from 'pino';
import type { z } from 'zod';
import type { EventStoreAccess } from '../event-store/event-store-access';
import type { ReadModelDb } from '../read-model/sql-database';
import type { RetryPolicy } from '../subscription/retry-policy';

/** Event type -> zod schema of its data. The EventStoreDB event type is the discriminator. */
export type EventSchemas = Record<string, z.ZodType>;

/** One delivered event, typed by its schema: a discriminated union over `type`. */
export type TypedEvent<E extends EventSchemas> = {
  [K in keyof E & string]: {
    readonly type: K;
    readonly data: z.output<E[K]>;
    readonly id: string;
    readonly streamId: string;
    readonly revision: bigint;
    readonly metadata: EventMetadata;
    /** How many times the server has redelivered this event (0 on first delivery). */
    readonly retryCount: number;
  };
}[keyof E & string];

export interface EventMetadata {
  readonly $correlationId?: string;
  readonly $causationId?: string;
  readonly traceparent?: string;
  readonly [key: string]: unknown;
}

export type ConsumerStrategy = 'DispatchToSingle' | 'RoundRobin' | 'Pinned' | 'PinnedByCorrelation';

/** Where a subscription reads from: one stream, or `$all` filtered by stream-name or event-type prefix. */
export type SubscriptionSource =
  | { readonly stream: string }
  | { readonly all: { readonly streamNamePrefixes?: readonly string[]; readonly eventTypePrefixes?: readonly string[] } };

/** Persistent-subscription settings a function may override; the runtime supplies the rest. */
export interface SubscriptionSettings {
  readonly startFrom?: 'start' | 'end';
  readonly maxRetryCount?: number;
  readonly messageTimeoutMs?: number;
  readonly maxSubscriberCount?: number;
  readonly consumerStrategy?: ConsumerStrategy;
  readonly checkPointAfterMs?: number;
  readonly checkPointLowerBound?: number;
  readonly checkPointUpperBound?: number;
}

export interface SubscriptionDefinition<E extends EventSchemas, D> {
  readonly source: SubscriptionSource;
  readonly group: string;
  readonly events: E;
  readonly settings?: SubscriptionSettings;
  /** Events handled at once by one replica. */
  readonly concurrency?: number;
  /** A handler running longer than this counts as a failure. */
  readonly timeoutMs?: number;
  /**
   * How a failing handler is retried (in this process, with backoff) before its event is parked; each
   * field defaults, and the RETRY_* variables override it. The group's message timeout is derived from it.
   */
  readonly retry?: Partial<RetryPolicy>;
  handle(event: TypedEvent<E>, ctx: HandlerContext<D>): Promise<void>;
  /**
   * Called, in stream order, for a delivered event `handle` will not see: a type with no schema in
   * `events` (then acknowledged) or a payload its schema rejects (then parked). A handler that guards
   * each stream's revisions advances its guard here, so the stream's next event is not held back by one
   * that will never be handled. Retried like `handle` when it fails.
   */
  skip?(event: SkippedEvent, ctx: HandlerContext<D>): Promise<void>;
}

/** A delivered event the runtime skips instead of handling, as given to `skip`. */
export interface SkippedEvent {
  readonly type: string;
  readonly id: string;
  readonly streamId: string;
  readonly revision: bigint;
  readonly reason: 'unknown_type' | 'invalid';
  /** What is wrong with it, for logs. */
  readonly detail: string;
}

/** An HTTP route whose input (path params, query, body) is validated before the handler runs. */
export interface RouteDefinition<B extends z.ZodType, Q extends z.ZodType, D> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly summary?: string;
  readonly body?: B;
  readonly query?: Q;
  handle(request: RouteRequest<z.output<B>, z.output<Q>>, ctx: RequestContext<D>): Promise<RouteResponse>;
}

export interface RouteRequest<B, Q> {
  readonly params: Readonly<Record<string, string>>;
  readonly body: B;
  readonly query: Q;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The `Idempotency-Key` header, when the client sent one. */
  readonly idempotencyKey?: string;
}

export interface RouteResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One migration of a read-model version: statements run in that version's own schema, once. */
export interface ReadModelMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: readonly string[];
}

/**
 * A versioned read model in PostgreSQL (`DATABASE_URL`) or PGlite (`PGLITE_DATA_DIR`). Each version
 * lives in its own schema with its own subscription group; a replica declaring a higher version than
 * the live one builds it from the start of the log beside the live one, and readers switch when it has
 * caught up. Handlers and routes reach the version they serve through `ctx.readModel`.
 */
export interface ReadModelDefinition {
  /** Bump it whenever the projection's output changes (a schema change or a bug fix): the replica rebuilds. */
  readonly version: number;
  /** Ordered, append-only within a version; a new version starts from an empty schema and runs them all. */
  readonly migrations: readonly ReadModelMigration[];
  /** How far (events) a build may trail the log when readers switch to it; default 100. */
  readonly switchLagThreshold?: number;
}

/** What a function declares. Default-export the result of `defineFunction` from the function's module. */
export interface FunctionDefinition<E extends EventSchemas, D> {
  readonly name: string;
  readonly subscription?: SubscriptionDefinition<E, D>;
  /** A versioned SQL read model the subscription builds and the routes read (needs `subscription`). */
  readonly readModel?: ReadModelDefinition;
  // biome-ignore lint/suspicious/noExplicitAny: each route has its own body and query schema types.
  readonly routes?: readonly RouteDefinition<any, any, D>[];
  /** Opens what the handlers need (a database pool, ...); the result is `ctx.deps`. */
  init?(ctx: InitContext): Promise<D>;
  /** Closes what `init` opened; runs after in-flight work has drained. */
  shutdown?(deps: D): Promise<void>;
}

/** Given to `init`. */
export interface InitContext {
  readonly log: Logger;
  /** The function's own configuration, as parsed from the environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Given to every event handler call. `eventStore` appends on behalf of *this* event (ids, metadata). */
export interface HandlerContext<D> {
  readonly deps: D;
  readonly log: Logger;
  readonly eventStore: EventStoreAccess;
  /** Aborted when the per-event timeout fires or the drain deadline passes. */
  readonly signal: AbortSignal;
  /** The read-model version this delivery builds (the live one, or one being rebuilt); throws unless `readModel` is declared. */
  readonly readModel: ReadModelDb;
}

/** Given to every HTTP route call. */
export interface RequestContext<D> {
  readonly deps: D;
  readonly log: Logger;
  readonly eventStore: EventStoreAccess;
  /** The read-model version that serves reads now; throws unless `readModel` is declared. */
  readonly readModel: ReadModelDb;
}

/** Declares a function; the identity at run time, it exists to infer and pin the types. */
export function defineFunction<E extends EventSchemas = Record<never, never>, D = undefined>(
  definition: FunctionDefinition<E, D>,
): FunctionDefinition<E, D> {
  return definition;
}
