import { randomUUID } from 'node:crypto';
import { E2eSampler, READS_PER_SAMPLE_PER_SECOND } from './e2e-sampler';
import { type Percentiles, percentiles, roundTenth } from './percentile';
import { arrivals, type Clock, realClock, runOpenLoop } from './schedule';
import { type PostOutcome, postOrder, restock } from './shop-client';

export interface OpenLoopOptions {
  /** order-create, stock-reservation (restock) and order-projector (read model) base URLs. */
  readonly urls: { readonly orders: string; readonly stock: string; readonly readModel: string };
  /** Orders per second, sent at fixed times whatever the answers. */
  readonly rate: number;
  readonly durationMs: number;
  /** Order i has one line of skus[i % skus.length]. */
  readonly skus: readonly string[];
  readonly quantity: number;
  /** Units added to each SKU before the run; undefined adds what the run can order, 0 adds nothing. */
  readonly restock?: number;
  /** Every n-th order is followed to its final status in the read model; 0 follows none. */
  readonly e2eEvery: number;
  /** How long after the last send the sampled orders may take to turn final. */
  readonly e2eWaitMs: number;
  readonly clock?: Clock;
}

export interface OpenLoopSummary {
  readonly mode: 'open';
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  /** 201 answers. */
  readonly accepted: number;
  /** Every answer other than 201, and requests that got none. */
  readonly failed: number;
  readonly byStatus: Record<string, number>;
  /** Why requests got no answer (refused, reset, timed out): each distinct message with its count. */
  readonly noAnswer: Record<string, number>;
  /** From the intended send time to the answer, of every request (failures included). */
  readonly postMs: Percentiles;
  /** How late the generator fired its latest request (a busy generator shows up here, not as a slower rate). */
  readonly generatorLagMs: number;
  readonly e2e: {
    readonly sampled: number;
    /** Samples whose final status the read model showed in time. */
    readonly final: number;
    readonly byStatus: Record<string, number>;
    readonly ms: Percentiles;
  };
}

function orderBody(i: number, sku: string, quantity: number): string {
  return JSON.stringify({ customerId: `load-${i % 10}`, items: [{ sku, quantity, unitPrice: 1 }], currency: 'EUR' });
}

/** Units each SKU needs for the run: the orders that name it times the quantity per line. */
export function unitsPerSku(rate: number, durationMs: number, skuCount: number, quantity: number): number {
  return Math.ceil(arrivals(rate, durationMs) / skuCount) * quantity;
}

/**
 * Sends orders at a fixed rate for a fixed time (open loop), after restocking the SKUs it uses, and
 * follows a sample of them into the read model. Latencies count from each order's intended send time.
 */
export async function runOpenLoad(options: OpenLoopOptions): Promise<OpenLoopSummary> {
  const clock = options.clock ?? realClock;
  const runId = randomUUID();
  const units = options.restock ?? unitsPerSku(options.rate, options.durationMs, options.skus.length, options.quantity);
  if (units > 0) for (const sku of options.skus) await restock(options.urls.stock, sku, units, `${runId}-restock-${sku}`);

  const samplesPerSecond = options.e2eEvery > 0 ? options.rate / options.e2eEvery : 0;
  const sampler = new E2eSampler(options.urls.readModel, clock, Math.max(1, samplesPerSecond * READS_PER_SAMPLE_PER_SECOND));
  const byStatus: Record<string, number> = {};
  const noAnswer: Record<string, number> = {};
  const postLatencies: number[] = [];
  const requests: Promise<void>[] = [];
  let generatorLagMs = 0;

  const record = (outcome: PostOutcome, i: number, intendedAt: number) => {
    postLatencies.push(clock.now() - intendedAt);
    const key = String(outcome.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    if (outcome.status === 'no answer') noAnswer[outcome.error] = (noAnswer[outcome.error] ?? 0) + 1;
    if (options.e2eEvery > 0 && i % options.e2eEvery === 0 && outcome.status === 201 && outcome.orderId)
      sampler.follow(outcome.orderId, intendedAt);
  };

  const { startedAt } = await runOpenLoop({
    rate: options.rate,
    durationMs: options.durationMs,
    clock,
    fire: (i, intendedAt) => {
      generatorLagMs = Math.max(generatorLagMs, clock.now() - intendedAt);
      const sku = options.skus[i % options.skus.length] as string;
      requests.push(
        postOrder(options.urls.orders, `${runId}-${i}`, orderBody(i, sku, options.quantity)).then((o) => record(o, i, intendedAt)),
      );
    },
  });
  await Promise.all(requests);
  const seconds = (clock.now() - startedAt) / 1000;
  const samples = await sampler.finish(options.e2eWaitMs);

  const finals = samples.filter((s) => s.latencyMs !== undefined);
  const e2eByStatus: Record<string, number> = {};
  for (const s of samples) {
    const key = s.latencyMs === undefined ? `not final (${s.status ?? 'absent'})` : (s.status as string);
    e2eByStatus[key] = (e2eByStatus[key] ?? 0) + 1;
  }
  const accepted = byStatus['201'] ?? 0;
  return {
    mode: 'open',
    rate: options.rate,
    seconds: roundTenth(seconds),
    sent: postLatencies.length,
    accepted,
    failed: postLatencies.length - accepted,
    byStatus,
    noAnswer,
    postMs: percentiles(postLatencies),
    generatorLagMs: roundTenth(generatorLagMs),
    e2e: {
      sampled: samples.length,
      final: finals.length,
      byStatus: e2eByStatus,
      ms: percentiles(finals.map((s) => s.latencyMs as number)),
    },
  };
}
