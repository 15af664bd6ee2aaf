import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessEntry } from './access-log';
import { forward, UpstreamRefusedError, UpstreamTimeoutError } from './forward';
import { mergeOpenApi } from './merge-openapi';
import { sendProblem } from './problem';
import { type GatewayFunction, ReplicaTracker } from './replica-tracker';
import { type DeclaredRoute, RouteTable, routesFromOpenApi } from './route-table';

// Far above any function's own body limit (the runtime's default is 100 KiB), which answers 413 itself with its reason.
const MAX_BODY_BYTES = 10 * 1024 * 1024;
// What a client is told to wait when a function has no ready replica: about one probe interval plus a start.
const RETRY_AFTER_SECONDS = 2;
// Start-up: each function's first replica is ready already (spillway dev waits for it); this bounds a slow first probe.
const DEFAULT_START_DEADLINE_MS = 30_000;
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** A handler the gateway serves under a path prefix of its own (the console). */
export type Mounted = (req: IncomingMessage, res: ServerResponse) => void;

export interface GatewayOptions {
  readonly functions: readonly GatewayFunction[];
  /** 0: the OS picks one. */
  readonly port: number;
  readonly host?: string;
  /** Called once per request, after the answer is sent. */
  readonly onAccess?: (entry: AccessEntry) => void;
  readonly probeIntervalMs?: number;
  readonly startDeadlineMs?: number;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly routes: RouteTable;
  readonly tracker: ReplicaTracker;
  /** The merged OpenAPI document of every function, as `GET /openapi.json` serves it. */
  readonly openApi: Record<string, unknown>;
  /** Serves `prefix` (and everything under it) with `handler` instead of routing to a function. */
  mount(prefix: string, handler: Mounted): void;
  close(): Promise<void>;
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

async function fetchOpenApi(tracker: ReplicaTracker, fn: string, deadline: number): Promise<unknown> {
  for (;;) {
    const replica = tracker.pick(fn);
    if (replica) {
      const response = await fetch(`${replica}/openapi.json`, { headers: { connection: 'close' } });
      if (!response.ok) throw new Error(`${fn}'s ${replica}/openapi.json answered ${response.status}`);
      return response.json();
    }
    if (Date.now() > deadline) throw new Error(`no replica of ${fn} became ready, so its routes are unknown`);
    await new Promise((r) => setTimeout(r, 200));
    await tracker.probeAll();
  }
}

/**
 * Starts the gateway: learns every function's routes from its /openapi.json, refuses to start when
 * two functions declare the same method and path, then routes each request to a ready replica of
 * the function that declared it (round robin), and serves the merged OpenAPI document.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const tracker = new ReplicaTracker(options.functions, options.probeIntervalMs);
  const deadline = Date.now() + (options.startDeadlineMs ?? DEFAULT_START_DEADLINE_MS);
  await tracker.probeAll();
  const documents = new Map<string, unknown>();
  for (const fn of options.functions) documents.set(fn.name, await fetchOpenApi(tracker, fn.name, deadline));
  const declared: DeclaredRoute[] = [...documents].flatMap(([fn, doc]) => routesFromOpenApi(fn, doc));
  const routes = new RouteTable(declared);
  const mounts = new Map<string, Mounted>();
  let origin = '';
  const openApi = () => mergeOpenApi(documents, origin);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const offered = req.headers['x-request-id'];
    const requestId = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const pathname = url.split('?')[0]!;
    let fn: string | undefined;
    let replica: string | undefined;
    res.once('finish', () =>
      options.onAccess?.({
        method,
        url,
        status: res.statusCode,
        ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
        requestId,
        ...(fn ? { fn } : {}),
        ...(replica ? { replica } : {}),
      }),
    );
    for (const [prefix, handler] of mounts) {
      if (pathname === prefix || pathname.startsWith(`${prefix}/`)) {
        res.setHeader('x-request-id', requestId);
        handler(req, res);
        return;
      }
    }
    if (pathname === '/openapi.json' && (method === 'GET' || method === 'HEAD')) {
      const body = JSON.stringify(openApi());
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    const match = routes.match(method, pathname);
    if (!match) {
      const allowed = routes.methodsFor(pathname);
      if (allowed.length > 0) {
        sendProblem(res, 405, 'METHOD_NOT_ALLOWED', `${pathname} accepts ${allowed.join(', ')}, not ${method}`, {
          allow: allowed.join(', '),
          'x-request-id': requestId,
        });
      } else {
        sendProblem(res, 404, 'NO_SUCH_ROUTE', `no function declares ${method} ${pathname}`, { 'x-request-id': requestId });
      }
      req.resume();
      return;
    }
    fn = match.route.fn;
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        sendProblem(res, 413, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${MAX_BODY_BYTES} bytes`, {
          'x-request-id': requestId,
        });
        return;
      }
      throw err;
    }
    const tried = new Set<string>();
    for (;;) {
      replica = tracker.pick(fn, tried);
      if (!replica && tried.size === 0 && tracker.replicas(fn).some((r) => r.probedAt === undefined)) {
        // A replica the autoscaler just started has not been probed yet: probe now rather than refuse.
        await tracker.probeAll();
        replica = tracker.pick(fn, tried);
      }
      if (!replica) {
        replica = undefined;
        sendProblem(res, 503, 'NO_READY_REPLICA', `${fn} has no ready replica; retry shortly`, {
          'retry-after': String(RETRY_AFTER_SECONDS),
          'x-request-id': requestId,
        });
        return;
      }
      tried.add(replica);
      try {
        await forward(
          {
            method,
            url,
            headers: req.headers,
            body,
            remoteAddress: req.socket.remoteAddress,
            requestId,
            // The origin the client used: what a rewritten Location must point at.
            publicOrigin: req.headers.host ? `http://${req.headers.host}` : origin,
          },
          replica,
          res,
        );
        return;
      } catch (err) {
        if (err instanceof UpstreamRefusedError && !res.headersSent) {
          tracker.markDown(replica);
          continue;
        }
        if (res.headersSent) {
          res.destroy(err as Error);
          return;
        }
        if (err instanceof UpstreamTimeoutError) sendProblem(res, 504, 'UPSTREAM_TIMEOUT', err.message, { 'x-request-id': requestId });
        else
          sendProblem(res, 502, 'UPSTREAM_FAILED', `${fn} (${replica}) failed: ${(err as Error).message}`, { 'x-request-id': requestId });
        return;
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendProblem(res, 500, 'GATEWAY_ERROR', err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${options.host ?? '127.0.0.1'}:${port}`;
  tracker.start();
  return {
    url: origin,
    port,
    routes,
    tracker,
    get openApi() {
      return openApi();
    },
    mount(prefix, handler) {
      mounts.set(prefix, handler);
    },
    async close() {
      await tracker.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
