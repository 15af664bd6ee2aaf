// One request should take milliseconds; ten seconds means the service is not answering.
export const REQUEST_TIMEOUT_MS = 10_000;

/** What one POST /orders came back with: an HTTP status, or 'no answer' (refused, reset, timed out). */
export type PostOutcome = { readonly status: number; readonly orderId?: string } | { readonly status: 'no answer'; readonly error: string };

/** POST /orders with an Idempotency-Key; never throws. */
export async function postOrder(url: string, idempotencyKey: string, body: string): Promise<PostOutcome> {
  try {
    const response = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const answer = (await response.json().catch(() => ({}))) as { orderId?: unknown };
    return typeof answer.orderId === 'string' ? { status: response.status, orderId: answer.orderId } : { status: response.status };
  } catch (err) {
    return { status: 'no answer', error: err instanceof Error ? err.message : String(err) };
  }
}

/** POST /inventory/:sku/restock on stock-reservation; throws when it is not accepted (the run would measure rejections). */
export async function restock(url: string, sku: string, quantity: number, idempotencyKey: string): Promise<void> {
  const response = await fetch(`${url}/inventory/${encodeURIComponent(sku)}/restock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify({ quantity }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`restocking ${sku} at ${url}: HTTP ${response.status} ${await response.text().catch(() => '')}`);
}

/** The order's status in the read model (GET /orders/:id), or undefined while it is not there yet (404 or no answer). */
export async function orderStatus(url: string, orderId: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/orders/${encodeURIComponent(orderId)}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (response.status !== 200) {
      await response.body?.cancel();
      return undefined;
    }
    const order = (await response.json()) as { status?: unknown };
    return typeof order.status === 'string' ? order.status : undefined;
  } catch {
    return undefined;
  }
}
