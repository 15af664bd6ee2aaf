import { Agent, request } from 'node:http';

// One request should take milliseconds; ten seconds means the service is not answering.
export const REQUEST_TIMEOUT_MS = 10_000;

// The load generator shares the machine with the shop it measures, so its requests are made with node:http
// over kept-alive connections rather than fetch(): at 200 orders/s fetch cost the generator about 2 ms of CPU
// per order (undici's request objects, web streams, an AbortSignal and its timer per request), CPU the shop
// under test then did not have.
// With a timeout set, the agent also honours the server's `Keep-Alive: timeout=N` and drops an idle connection a second
// before the server would (Node applies the hint only below the agent's own timeout, and without one there is none), so
// a request rarely goes out on a connection the server is closing.
const agent = new Agent({ keepAlive: true, timeout: REQUEST_TIMEOUT_MS });

interface Answer {
  readonly status: number;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  readonly json: unknown;
  readonly text: string;
}

/**
 * One HTTP request with a JSON answer; rejects when the service refuses, resets, or says nothing for REQUEST_TIMEOUT_MS.
 * A kept-alive connection the server closed as idle just as the request went out fails with ECONNRESET before
 * the server saw anything; that one case is sent again once, on a new connection (Node's documented remedy,
 * `request.reusedSocket`). Every request here is safe to repeat: reads, and writes with an Idempotency-Key.
 */
async function requestJson(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  try {
    return await requestOnce(method, url, headers, body);
  } catch (err) {
    if (!(err instanceof StaleConnectionError)) throw err;
    return requestOnce(method, url, headers, body);
  }
}

class StaleConnectionError extends Error {}

function requestOnce(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = request(url, { method, agent, headers: sent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(req.reusedSocket && err.code === 'ECONNRESET' ? new StaleConnectionError(err.message, { cause: err }) : err),
    );
    req.end(body);
  });
}

/** What one POST /orders came back with: an HTTP status, or 'no answer' (refused, reset, timed out). */
export type PostOutcome = { readonly status: number; readonly orderId?: string } | { readonly status: 'no answer'; readonly error: string };

/** POST /orders with an Idempotency-Key; never throws. */
export async function postOrder(url: string, idempotencyKey: string, body: string): Promise<PostOutcome> {
  try {
    const answer = await requestJson(
      'POST',
      `${url}/orders`,
      { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body,
    );
    const orderId = (answer.json as { orderId?: unknown } | undefined)?.orderId;
    return typeof orderId === 'string' ? { status: answer.status, orderId } : { status: answer.status };
  } catch (err) {
    return { status: 'no answer', error: err instanceof Error ? err.message : String(err) };
  }
}

/** POST /inventory/:sku/restock on stock-reservation; throws when it is not accepted (the run would measure rejections). */
export async function restock(url: string, sku: string, quantity: number, idempotencyKey: string): Promise<void> {
  const answer = await requestJson(
    'POST',
    `${url}/inventory/${encodeURIComponent(sku)}/restock`,
    { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    JSON.stringify({ quantity }),
  );
  if (answer.status < 200 || answer.status > 299) throw new Error(`restocking ${sku} at ${url}: HTTP ${answer.status} ${answer.text}`);
}

/** The order's status in the read model (GET /orders/:id), or undefined while it is not there yet (404 or no answer). */
export async function orderStatus(url: string, orderId: string): Promise<string | undefined> {
  try {
    const answer = await requestJson('GET', `${url}/orders/${encodeURIComponent(orderId)}`, {});
    if (answer.status !== 200) return undefined;
    const status = (answer.json as { status?: unknown } | undefined)?.status;
    return typeof status === 'string' ? status : undefined;
  } catch {
    return undefined;
  }
}
