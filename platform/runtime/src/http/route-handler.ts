import { hash, randomUUID } from 'node:crypto';
import type { EventStoreDBClient } from '@eventstore/db-client';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { RequestContext, RouteDefinition, RouteRequest } from '../contract/define-function';
import { SpillwayError, ValidationError } from '../errors/errors';
import { type Cause, effectId } from '../event-store/cause';
import { createEventStoreAccess } from '../event-store/create-event-store-access';
import type { EventStoreAccess } from '../event-store/event-store-access';
import type { TolerantReader } from '../event-store/tolerant-reader';
import type { ReadModelDb } from '../read-model/sql-database';
import { parseInput } from './parse-input';

// Long enough for any UUID or ULID a client might use, short enough to bound the id derivation input.
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
// W3C Trace Context (version 00 layout): a traceparent that does not parse is ignored, as the spec asks,
// rather than copied into the metadata of every event the request writes.
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** 415: a body this runtime does not read (not JSON, or JSON not in UTF-8). */
export class UnsupportedMediaTypeError extends SpillwayError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly status = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  return schema ? parseInput(schema, value, where) : (value as T);
}

function idempotencyKey(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !VISIBLE_ASCII.test(key)) {
    throw new ValidationError('the Idempotency-Key header is invalid', [
      { path: 'headers.idempotency-key', message: `expected 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters` },
    ]);
  }
  return key;
}

/** JSON with object keys sorted: two requests that differ only in key order are the same request. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value ?? null;
}

/** What a keyed request asks of its URL, as a short hash: a retry must ask for exactly this. */
function requestHash(query: unknown, body: unknown): string {
  return hash('sha256', JSON.stringify(canonical({ query, body })), 'base64url');
}

function traceparent(req: Request): string | undefined {
  const value = req.get('traceparent')?.trim();
  return value !== undefined && TRACEPARENT.test(value) ? value : undefined;
}

function headersOf(req: Request): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
}

function noReadModel(fn: string): ReadModelDb {
  const fail = () => Promise.reject(new Error(`function '${fn}' declares no readModel`));
  return { kind: 'postgres', query: fail, transaction: fail };
}

export interface RouteRuntime<D> {
  readonly fn: string;
  readonly client: EventStoreDBClient;
  readonly log: Logger;
  readonly reader: TolerantReader;
  /** PUBLIC_BASE_URL: relative Location headers are resolved against it. */
  readonly publicBaseUrl?: string;
  deps(): D;
  /** The read-model version serving reads now, looked up per request; absent when the function declares none. */
  readModel?(): ReadModelDb;
}

/**
 * The request as a route sees it. What most routes never touch (the header copy here; the pino child
 * and the store access in RouteContext) is built on first use: per request, building them all cost more
 * than some routes' own work. Both are classes with getters on the prototype, not object literals with
 * getters: V8 gives every such literal a map of its own, and what its getters reach (the request, the
 * response) then survives minor GCs until the next major one (measured in the README, Performance).
 */
class RouteRequestView<B, Q> implements RouteRequest<B, Q> {
  private copied: Record<string, string | undefined> | undefined;

  constructor(
    private readonly req: Request,
    readonly params: Readonly<Record<string, string>>,
    readonly body: B,
    readonly query: Q,
    readonly idempotencyKey: string | undefined,
  ) {}

  get headers(): Readonly<Record<string, string | undefined>> {
    this.copied ??= headersOf(this.req);
    return this.copied;
  }
}

class RouteContext<D> implements RequestContext<D> {
  readonly deps: D;
  private childLog: Logger | undefined;
  private access: EventStoreAccess | undefined;

  constructor(
    private readonly runtime: RouteRuntime<D>,
    private readonly cause: Cause,
    private readonly correlationId: string,
    private readonly requestId: string,
    // One lookup per request: every statement of one request reads the same version, even across a switch.
    readonly readModel: ReadModelDb,
  ) {
    this.deps = runtime.deps();
  }

  get log(): Logger {
    this.childLog ??= this.runtime.log.child({ correlationId: this.correlationId, requestId: this.requestId });
    return this.childLog;
  }

  get eventStore(): EventStoreAccess {
    this.access ??= createEventStoreAccess(this.runtime.client, this.cause, this.runtime.reader);
    return this.access;
  }
}

/**
 * Validates a route's input, derives the request's cause (ids from the Idempotency-Key, so a retried
 * request writes the same event ids; correlation from `x-correlation-id`), and sends the route's response.
 */
// biome-ignore lint/suspicious/noExplicitAny: a function's routes each carry their own schema types.
export function routeHandler<D>(route: RouteDefinition<any, any, D>, runtime: RouteRuntime<D>): RequestHandler {
  const absentReadModel = noReadModel(runtime.fn);
  const readModelNow = runtime.readModel?.bind(runtime) ?? (() => absentReadModel);
  return async (req, res) => {
    if (route.body && !req.is('application/json')) {
      throw new UnsupportedMediaTypeError('the request body must be JSON (Content-Type: application/json)');
    }
    const key = idempotencyKey(req);
    const body = validate(route.body, req.body, 'body');
    const query = validate(route.query, req.query, 'query');
    const requestId = randomUUID();
    const offered = req.get('x-correlation-id');
    // Client-supplied, so it is only kept when it looks like an id: it ends up in every event's metadata.
    const correlationId = offered && offered.length <= MAX_IDEMPOTENCY_KEY_LENGTH && VISIBLE_ASCII.test(offered) ? offered : requestId;
    const params = req.params as Record<string, string>;
    const base: Cause = {
      fn: runtime.fn,
      // A key is scoped to the method and URL it was sent to (as the IETF Idempotency-Key draft has
      // it): the same key on another endpoint, or on another order or SKU, is another request.
      id: key === undefined ? requestId : `${route.method} ${req.baseUrl}${req.path} ${key}`,
      correlationId,
      causationId: requestId,
      traceparent: traceparent(req),
    };
    const cause: Cause = key === undefined ? base : { ...base, request: { id: effectId(base, 'request'), hash: requestHash(query, body) } };
    const response = await route.handle(
      new RouteRequestView(req, params, body, query, key),
      new RouteContext(runtime, cause, correlationId, requestId, readModelNow()),
    );
    res.status(response.status);
    res.setHeader('x-correlation-id', correlationId);
    for (const [name, value] of Object.entries(response.headers ?? {})) {
      // A function names where its resource is read relative to the API (`/orders/<id>`); that is often
      // another function's route, so the one URL that reads it is the gateway's or ingress's.
      const located = name.toLowerCase() === 'location' && value.startsWith('/') && runtime.publicBaseUrl;
      res.setHeader(name, located ? `${runtime.publicBaseUrl}${value}` : value);
    }
    if (response.body === undefined) res.end();
    else res.json(response.body);
  };
}
