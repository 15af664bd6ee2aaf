import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Scaler } from '../loop/scaler';
import type { AutoscalerMetrics } from '../metrics/autoscaler-metrics';
import { MeasurementUnavailableError, UnknownWorkloadError, workloadLag } from './workload-lag';

export interface HttpApiOptions {
  readonly scaler: Scaler;
  readonly metrics: AutoscalerMetrics;
  readonly log: Logger;
  /** Used when a request names no namespace. */
  readonly defaultNamespace: string;
  readonly host?: string;
  readonly port: number;
  /** Readiness for /readyz: true once the Deployment watch has started. */
  readonly ready?: () => boolean;
  /** Answers `/console` and everything under it (the console's page and API), any method. */
  readonly console?: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface HttpApi {
  readonly port: number;
  close(): Promise<void>;
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

/**
 * The autoscaler's HTTP side: `GET /keda/lag?namespace=&deployment=` for KEDA's metrics-api scaler
 * (valueLocation `lag`), `GET /metrics` for Prometheus, `GET /livez` (or `/healthz`) and `GET /readyz`;
 * and, when given, the console under `/console`.
 */
export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // A request target such as `//host:99999/x` does not parse: the client's mistake, not a 500.
    const url = URL.parse(req.url ?? '/', 'http://autoscaler');
    if (!url) return problem(res, 400, 'Bad Request', 'the request target is not a valid URL path');
    if (options.console && (url.pathname === '/console' || url.pathname.startsWith('/console/'))) return options.console(req, res);
    if (req.method !== 'GET') return problem(res, 405, 'Method Not Allowed', `${req.method} is not supported`);
    switch (url.pathname) {
      case '/healthz':
      case '/livez':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('ok\n');
      case '/readyz': {
        const ready = options.ready?.() ?? true;
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
        return res.end(ready ? 'ready\n' : 'starting\n');
      }
      case '/metrics': {
        const body = await options.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
        return res.end(body);
      }
      case '/keda/lag': {
        const deployment = url.searchParams.get('deployment');
        const namespace = url.searchParams.get('namespace') || options.defaultNamespace;
        if (!deployment) return problem(res, 400, 'Bad Request', 'query parameter deployment is required');
        try {
          const lag = await workloadLag(options.scaler, namespace, deployment);
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify(lag));
        } catch (err) {
          if (err instanceof UnknownWorkloadError) return problem(res, 404, 'Not Found', err.message);
          if (err instanceof MeasurementUnavailableError) {
            options.log.warn({ err, namespace, deployment }, 'KEDA asked for a lag that cannot be measured');
            return problem(res, 503, 'Service Unavailable', err.message);
          }
          throw err;
        }
      }
      default:
        return problem(res, 404, 'Not Found', `no route ${url.pathname}`);
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log.error({ err, url: req.url }, 'HTTP request failed');
      if (!res.headersSent) problem(res, 500, 'Internal Server Error', 'see the autoscaler log');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
