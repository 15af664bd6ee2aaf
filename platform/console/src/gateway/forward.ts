import { Agent, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, request, type ServerResponse } from 'node:http';

// Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are not forwarded; Host is set to the upstream's.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);
// A function answers in milliseconds; a minute covers a slow projection query without holding a socket for ever.
const UPSTREAM_TIMEOUT_MS = 60_000;

// One connection per request: a reused idle connection that the replica closes at the same moment fails with
// ECONNRESET after the request may have been handled, which could not be retried safely; on loopback a connect costs little.
const agent = new Agent({ keepAlive: false });

/** The replica refused the connection: it has stopped, and the request never reached it, so another may take it. */
export class UpstreamRefusedError extends Error {
  override readonly name = 'UpstreamRefusedError';
}

export class UpstreamTimeoutError extends Error {
  override readonly name = 'UpstreamTimeoutError';
}

export interface ForwardRequest {
  readonly method: string;
  /** Path and query, as the client sent them. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The client's address, for X-Forwarded-For. */
  readonly remoteAddress?: string;
  readonly requestId: string;
  /** The gateway's own origin as the client sees it (`http://127.0.0.1:8080`), for Location rewriting. */
  readonly publicOrigin: string;
}

function upstreamHeaders(forward: ForwardRequest, upstream: URL): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const named = (forward.headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const [name, value] of Object.entries(forward.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name)) continue;
    headers[name] = value;
  }
  const priorFor = forward.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = [priorFor, forward.remoteAddress].filter(Boolean).join(', ');
  headers['x-forwarded-host'] = forward.headers.host ?? new URL(forward.publicOrigin).host;
  headers['x-forwarded-proto'] = 'http';
  headers['x-request-id'] = forward.requestId;
  headers.host = upstream.host;
  if (forward.body.length > 0 || headers['content-length'] !== undefined) headers['content-length'] = String(forward.body.length);
  return headers;
}

/** An absolute Location pointing at the replica becomes the same path at the gateway; a relative one already is. */
export function rewriteLocation(location: string, upstream: URL, publicOrigin: string): string {
  let parsed: URL;
  try {
    parsed = new URL(location);
  } catch {
    return location;
  }
  if (parsed.origin !== upstream.origin) return location;
  return `${publicOrigin}${parsed.pathname}${parsed.search}${parsed.hash}`;
}

/**
 * Sends one request to one replica and streams its answer to `res`. Rejects with UpstreamRefusedError
 * when the replica is not listening (nothing was sent; the caller may try another replica).
 */
export function forward(forwarded: ForwardRequest, replica: string, res: ServerResponse): Promise<number> {
  const upstream = new URL(replica);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        host: upstream.hostname,
        port: upstream.port,
        method: forwarded.method,
        path: forwarded.url,
        headers: upstreamHeaders(forwarded, upstream),
        timeout: UPSTREAM_TIMEOUT_MS,
      },
      (answer: IncomingMessage) => {
        const headers: OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value === undefined || (HOP_BY_HOP.has(name) && name !== 'host')) continue;
          headers[name] =
            name === 'location' && typeof value === 'string' ? rewriteLocation(value, upstream, forwarded.publicOrigin) : value;
        }
        headers['x-request-id'] = forwarded.requestId;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
        answer.once('end', () => resolve(answer.statusCode ?? 502));
        answer.once('error', reject);
      },
    );
    outgoing.once('timeout', () =>
      outgoing.destroy(new UpstreamTimeoutError(`${replica} did not answer within ${UPSTREAM_TIMEOUT_MS} ms`)),
    );
    outgoing.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ECONNREFUSED' ? new UpstreamRefusedError(`${replica} refused the connection`, { cause: err }) : err);
    });
    outgoing.end(forwarded.body);
  });
}
