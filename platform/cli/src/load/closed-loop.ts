import { randomUUID } from 'node:crypto';
import { type Percentiles, percentiles, roundTenth } from './percentile';
import { postOrder } from './shop-client';

export interface ClosedLoopSummary {
  readonly mode: 'closed';
  readonly sent: number;
  readonly byStatus: Record<string, number>;
  readonly failures: number;
  readonly seconds: number;
  readonly ordersPerSecond: number;
  readonly latencyMs: Percentiles;
  readonly orderIds: readonly string[];
}

/**
 * Sends `orders` orders with at most `concurrency` in flight (a closed loop: the next order waits
 * for an answer, so it measures throughput, and hides queueing); never throws for a failed request, it counts it.
 */
export async function sendOrders(options: {
  url: string;
  orders: number;
  concurrency: number;
  skus: readonly string[];
  quantity: number;
}): Promise<ClosedLoopSummary> {
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
      const outcome = await postOrder(options.url, `${runId}-${i}`, body(i));
      if (outcome.status === 'no answer') failures++;
      else {
        const status = String(outcome.status);
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        if (outcome.status === 201 && outcome.orderId) orderIds.push(outcome.orderId);
      }
      latencies.push(performance.now() - t0);
    }
  }

  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.orders) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    mode: 'closed',
    sent: options.orders,
    byStatus,
    failures,
    seconds: roundTenth(seconds),
    ordersPerSecond: roundTenth(options.orders / seconds),
    latencyMs: percentiles(latencies),
    orderIds,
  };
}
