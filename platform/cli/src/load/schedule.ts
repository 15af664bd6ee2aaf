/** The clock and sleep an open-loop run uses; tests pass a virtual clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** How many arrivals a run of `durationMs` at `rate` per second has: one every 1000/rate ms, starting at 0. */
export function arrivals(rate: number, durationMs: number): number {
  return Math.max(0, Math.ceil((rate * durationMs) / 1000 - 1e-9));
}

/** The intended send time of arrival `i`, in ms after the start. */
export function intendedOffset(rate: number, i: number): number {
  return (i * 1000) / rate;
}

/**
 * Calls `fire(i, intendedAt)` for every arrival at its intended time, whether or not earlier ones
 * have been answered (an open loop: a slow system does not slow the arrivals down, so queueing
 * shows up in the latencies instead of hiding in fewer requests). When the generator itself falls
 * behind (a busy event loop), the late arrivals are fired at once, still carrying their intended
 * time, so their latency counts from when they should have been sent. Resolves once every arrival
 * has been fired; `fire` must not block (it starts the request and returns).
 */
export async function runOpenLoop(options: {
  readonly rate: number;
  readonly durationMs: number;
  readonly clock?: Clock;
  fire(i: number, intendedAt: number): void;
}): Promise<{ readonly fired: number; readonly startedAt: number }> {
  const clock = options.clock ?? realClock;
  const total = arrivals(options.rate, options.durationMs);
  const startedAt = clock.now();
  let next = 0;
  while (next < total) {
    const elapsed = clock.now() - startedAt;
    while (next < total && intendedOffset(options.rate, next) <= elapsed) {
      options.fire(next, startedAt + intendedOffset(options.rate, next));
      next++;
    }
    if (next < total) await clock.sleep(Math.max(0, intendedOffset(options.rate, next) - (clock.now() - startedAt)));
  }
  return { fired: total, startedAt };
}
