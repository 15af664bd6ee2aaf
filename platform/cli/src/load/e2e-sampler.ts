import { type Clock, realClock } from './schedule';
import { orderStatus } from './shop-client';

// Statuses an order ends in without a further command; 'pending' means stock-reservation has not decided yet.
const FINAL = new Set(['reserved', 'rejected', 'cancelled']);
// Polls come every 10 ms at first (fine enough for a target of 100 ms), then further apart as the
// order takes longer: at most 5 % late, and a slow read model is not buried under its own samples'
// reads (at a fixed 10 ms, an order taking 30 s would cost 3,000 reads).
export const E2E_POLL_MIN_MS = 10;
const E2E_POLL_FRACTION = 0.05;
const E2E_POLL_MAX_MS = 1_000;

/** How long to wait before the next read of an order that has been on its way for `elapsedMs`. */
export function pollDelay(elapsedMs: number): number {
  return Math.min(E2E_POLL_MAX_MS, Math.max(E2E_POLL_MIN_MS, elapsedMs * E2E_POLL_FRACTION));
}

export interface E2eResult {
  readonly orderId: string;
  /** From the intended send time to the first read that showed a final status; undefined if none did in time. */
  readonly latencyMs?: number;
  readonly status?: string;
}

/**
 * Follows sampled orders until the read model shows their final status. Each sample polls
 * GET /orders/:id, every 10 ms at first and then at 5 % of the time it has taken so far, so the
 * figure is at most 5 % (or 10 ms) plus one read late, and the read model sees a few dozen reads
 * per sampled order at most, not a steady stream per order sent.
 */
export class E2eSampler {
  private readonly pending = new Set<Promise<E2eResult>>();
  private readonly results: E2eResult[] = [];
  private giveUpAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly readModelUrl: string,
    private readonly clock: Clock = realClock,
  ) {}

  follow(orderId: string, intendedAt: number): void {
    const task = this.poll(orderId, intendedAt);
    this.pending.add(task);
    void task.then((result) => {
      this.results.push(result);
      this.pending.delete(task);
    });
  }

  private async poll(orderId: string, intendedAt: number): Promise<E2eResult> {
    for (;;) {
      const status = await orderStatus(this.readModelUrl, orderId);
      if (status !== undefined && FINAL.has(status)) return { orderId, status, latencyMs: this.clock.now() - intendedAt };
      if (this.clock.now() >= this.giveUpAt) return status === undefined ? { orderId } : { orderId, status };
      await this.clock.sleep(pollDelay(this.clock.now() - intendedAt));
    }
  }

  /** Waits for every sample to turn final, giving up on the rest `waitMs` from now; returns them all. */
  async finish(waitMs: number): Promise<readonly E2eResult[]> {
    this.giveUpAt = this.clock.now() + waitMs;
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    return this.results;
  }
}
