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

// All samples together read at most this many times per sampled order per second of the run's rate
// (10: at 200 orders/s, one in 20 followed, 100 reads a second, half a read per order sent), with bursts of
// BURST reads. A healthy shop finishes a sample in a handful of reads and never meets the budget; a read model
// that has fallen behind, with hundreds of samples waiting, would otherwise be read hundreds of times a second
// by the samples alone, and fall further behind because of its own measurement.
export const READS_PER_SAMPLE_PER_SECOND = 10;
const BURST = 10;

/**
 * Spaces reads to at most `perSecond` on average with bursts of `burst` (the generic cell rate
 * algorithm): `reserve(now)` answers when a read asked for at `now` may go.
 */
export class ReadBudget {
  private readonly interval: number;
  private theoretical = Number.NEGATIVE_INFINITY;

  constructor(
    perSecond: number,
    private readonly burst = BURST,
  ) {
    this.interval = 1000 / perSecond;
  }

  reserve(now: number): number {
    const at = Math.max(now, this.theoretical - this.burst * this.interval);
    this.theoretical = Math.max(this.theoretical, at) + this.interval;
    return at;
  }
}

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
 * figure is at most 5 % (or 10 ms) plus one read late; and all samples together stay within a read
 * budget (see READS_PER_SAMPLE_PER_SECOND), so when the read model falls behind its samples are read
 * less often (and their figures are that much coarser) instead of adding load in proportion to the lag.
 */
export class E2eSampler {
  private readonly pending = new Set<Promise<E2eResult>>();
  private readonly results: E2eResult[] = [];
  private giveUpAt = Number.POSITIVE_INFINITY;
  private readonly budget: ReadBudget | undefined;

  constructor(
    private readonly readModelUrl: string,
    private readonly clock: Clock = realClock,
    /** Reads a second for all samples together (undefined: no limit). */
    readsPerSecond?: number,
  ) {
    this.budget = readsPerSecond === undefined ? undefined : new ReadBudget(readsPerSecond);
  }

  /** Waits until the budget lets a read asked for now go. */
  private async turn(): Promise<void> {
    if (!this.budget) return;
    const now = this.clock.now();
    const at = this.budget.reserve(now);
    if (at > now) await this.clock.sleep(at - now);
  }

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
      await this.turn();
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
