import { randomUUID } from 'node:crypto';
import type { Command } from '../command';
import { wholeNumber } from '../flag-values';
import { parseFlags } from '../parse-flags';
import { UsageError } from '../usage-error';

// Bounds that keep a typo from turning a load test into a denial of service of one's own laptop.
const MAX_ORDERS = 100_000;
const MAX_CONCURRENCY = 1_000;
// One request should take milliseconds; ten seconds means the service is not answering.
const REQUEST_TIMEOUT_MS = 10_000;

const USAGE = `Usage: spillway load [flags]

Sends a bounded burst of orders to order-create (POST /orders), each with its own
Idempotency-Key, and prints how many were accepted and the latency percentiles.

Flags:
  --url <url>            order-create base URL (default http://127.0.0.1:8081)
  --orders <n>           orders to send (default 100, at most ${MAX_ORDERS})
  --concurrency <n>      requests in flight at once (default 10, at most ${MAX_CONCURRENCY})
  --skus <a,b,...>       SKUs to order, one line each (default apple)
  --quantity <n>         units per line (default 1)
  --json                 print the summary as JSON`;

export interface LoadSummary {
  readonly sent: number;
  readonly byStatus: Record<string, number>;
  readonly failures: number;
  readonly seconds: number;
  readonly ordersPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly orderIds: readonly string[];
}

function intFlag(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = wholeNumber(value);
  if (n === undefined || n < 1 || n > max) throw new UsageError(`load: --${name} must be an integer from 1 to ${max}, got '${value}'`);
  return n;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Sends `orders` orders with at most `concurrency` in flight; never throws for a failed request, it counts it. */
export async function sendOrders(options: {
  url: string;
  orders: number;
  concurrency: number;
  skus: readonly string[];
  quantity: number;
}): Promise<LoadSummary> {
  const byStatus: Record<string, number> = {};
  const latencies: number[] = [];
  const orderIds: string[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const runId = randomUUID();
  const body = (i: number) =>
    JSON.stringify({
      customerId: `load-${i % 10}`,
      items: options.skus.map((sku) => ({ sku, quantity: options.quantity, unitPrice: 1 })),
      currency: 'EUR',
    });

  async function worker(): Promise<void> {
    while (next < options.orders) {
      const i = next++;
      const t0 = performance.now();
      try {
        const response = await fetch(`${options.url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `${runId}-${i}` },
          body: body(i),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const status = String(response.status);
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        const answer = (await response.json().catch(() => ({}))) as { orderId?: unknown };
        if (response.status === 201 && typeof answer.orderId === 'string') orderIds.push(answer.orderId);
      } catch {
        failures++;
      }
      latencies.push(performance.now() - t0);
    }
  }

  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.orders) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    sent: options.orders,
    byStatus,
    failures,
    seconds: round(seconds),
    ordersPerSecond: round(options.orders / seconds),
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p90: round(percentile(sorted, 90)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted[sorted.length - 1] ?? 0),
    },
    orderIds,
  };
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('load', argv, {
    url: { type: 'string' },
    orders: { type: 'string' },
    concurrency: { type: 'string' },
    skus: { type: 'string' },
    quantity: { type: 'string' },
    json: { type: 'boolean' },
  });
  const url = (values.url ?? 'http://127.0.0.1:8081').replace(/\/+$/, '');
  if (!/^https?:\/\/\S+$/.test(url) || !URL.canParse(url)) throw new UsageError(`load: --url must be an http(s) URL, got '${url}'`);
  const skus = (values.skus ?? 'apple')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (skus.length === 0) throw new UsageError('load: --skus needs at least one SKU');
  const summary = await sendOrders({
    url,
    orders: intFlag('orders', values.orders, 100, MAX_ORDERS),
    concurrency: intFlag('concurrency', values.concurrency, 10, MAX_CONCURRENCY),
    skus,
    quantity: intFlag('quantity', values.quantity, 1, 1_000_000),
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, orderIds: undefined })}\n`);
  } else {
    const statuses = Object.entries(summary.byStatus)
      .map(([status, n]) => `${status}: ${n}`)
      .join(', ');
    process.stdout.write(
      [
        `sent ${summary.sent} orders in ${summary.seconds} s (${summary.ordersPerSecond}/s) to ${url}`,
        `  responses   ${statuses || 'none'}${summary.failures > 0 ? `, no answer: ${summary.failures}` : ''}`,
        `  latency ms  p50 ${summary.latencyMs.p50}  p90 ${summary.latencyMs.p90}  p99 ${summary.latencyMs.p99}  max ${summary.latencyMs.max}`,
        '',
      ].join('\n'),
    );
  }
  const accepted = summary.byStatus['201'] ?? 0;
  return accepted === summary.sent ? 0 : 1;
}

export const command: Command = {
  name: 'load',
  summary: 'send a bounded burst of orders to order-create',
  usage: USAGE,
  run,
};
