/** Generous: the machine is shared, and projections and links are written behind the appends that cause them. */
const DEFAULT_TIMEOUT_MS = 20_000;
const POLL_MS = 50;

/** Polls `probe` until it returns something, or fails after `timeoutMs` naming `what`, with the last error as cause. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${String(last)})`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
