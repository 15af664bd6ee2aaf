import type { EventStoreDBClient } from '@eventstore/db-client';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { EventSchemas, FunctionDefinition, RouteDefinition } from '../contract/define-function';
import { TolerantReader } from '../event-store/tolerant-reader';
import type { RuntimeMetrics } from '../observability/metrics';
import type { ReadModelDb } from '../read-model/sql-database';
import { bearerAuth } from './bearer-auth';
import { DEFAULT_MAX_IN_FLIGHT, inFlightLimit } from './in-flight-limit';
import { requireUtf8Json } from './json-charset';
import { openApiDocument } from './openapi';
import { PROBLEM_CONTENT_TYPE, problem, toProblem } from './problem';
import { routeHandler } from './route-handler';
import { securityHeaders } from './security-headers';

/** What `/readyz` reports: every reason the process should not get traffic now. */
export interface Readiness {
  notReadyReasons(): Promise<readonly string[]>;
}

export interface AppOptions<D> {
  readonly definition: FunctionDefinition<EventSchemas, D>;
  readonly client: EventStoreDBClient;
  readonly log: Logger;
  readonly metrics: RuntimeMetrics;
  readonly apiTokens: readonly string[];
  /** Resolves relative Location headers to where clients read the resource (PUBLIC_BASE_URL). */
  readonly publicBaseUrl?: string;
  readonly bodyLimitBytes: number;
  /** Requests to the function's routes in progress at once; past it they are answered 503 (HTTP_MAX_IN_FLIGHT). */
  readonly maxInFlight?: number;
  readonly readiness: Readiness;
  /** The process's tolerant reader (shared with its subscription); one of its own when not given. */
  readonly reader?: TolerantReader;
  deps(): D;
  /** The read model's serving version, per request (functions that declare `readModel`). */
  readModel?(): ReadModelDb;
  /** Routes the runtime adds (the read model's `/read-model` admin routes), behind the same authentication. */
  // biome-ignore lint/suspicious/noExplicitAny: each route has its own body and query schema types.
  readonly runtimeRoutes?: readonly RouteDefinition<any, any, D>[];
}

function requestMetrics(metrics: RuntimeMetrics, log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // The declared route path, not the URL: one label value per route, whatever the ids in it.
      const route = req.route?.path ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
      if (route.startsWith('/livez') || route.startsWith('/readyz') || route.startsWith('/metrics')) return;
      // Checked first: below info (the default under spillway dev) the line's fields are not even built.
      if (!log.isLevelEnabled('info')) return;
      log.info({ method: req.method, url: req.originalUrl, route, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    next();
  };
}

/** The function's one HTTP server: its routes plus /livez, /readyz, /metrics and /openapi.json. */
export function createApp<D>(options: AppOptions<D>): express.Express {
  const { definition, log, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders, requestMetrics(metrics, log));

  app.get('/livez', (_req, res) => {
    res.json({ status: 'live' });
  });
  app.get('/readyz', async (_req, res) => {
    const reasons = await options.readiness.notReadyReasons();
    res.status(reasons.length === 0 ? 200 : 503).json(reasons.length === 0 ? { status: 'ready' } : { status: 'not ready', reasons });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const openApi = openApiDocument(definition, options.apiTokens.length > 0);
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });

  const routes = express.Router();
  // First, so an overloaded replica refuses the excess before parsing or checking anything.
  routes.use(inFlightLimit(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT));
  if (options.apiTokens.length > 0) routes.use(bearerAuth(options.apiTokens));
  routes.use(requireUtf8Json);
  routes.use(express.json({ limit: options.bodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  const reader = options.reader ?? new TolerantReader(definition.name, options.client, log, options.metrics);
  const runtime = {
    fn: definition.name,
    client: options.client,
    log,
    reader,
    publicBaseUrl: options.publicBaseUrl,
    deps: options.deps,
    readModel: options.readModel,
  };
  for (const route of [...(options.runtimeRoutes ?? []), ...(definition.routes ?? [])]) {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
    routes[method](route.path, routeHandler(route, runtime));
  }
  app.use(routes);

  app.use((req, res) => {
    res
      .status(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem(404, 'NO_SUCH_ROUTE', `no route ${req.method} ${req.path}`)));
  });
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const body = toProblem(err);
    if (body.status >= 500) log.error({ err, method: req.method, url: req.originalUrl }, 'route failed');
    else log.debug({ code: body.code, method: req.method, url: req.originalUrl }, 'request rejected');
    res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  };
  app.use(onError);
  return app;
}
