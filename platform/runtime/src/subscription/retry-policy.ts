/**
 * How the runtime retries a failing handler before it parks the event: exponential backoff with
 * jitter, bounded by a number of attempts and by a time budget (whichever is spent first).
 */
export interface RetryPolicy {
  /** Delay before the first retry. */
  readonly initialDelayMs: number;
  /** Each further delay is the previous one times this. */
  readonly factor: number;
  /** No delay is longer than this. */
  readonly maxDelayMs: number;
  /** Handler runs per delivery, the first included; 1 means "never retry". */
  readonly maxAttempts: number;
  /** Time from the first attempt after which no retry starts. */
  readonly maxElapsedMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  // Short enough that a blip (a conflict, a dropped connection) costs little.
  initialDelayMs: 200,
  factor: 2,
  // A dependency that is away for minutes is probed every 10 s, not hammered.
  maxDelayMs: 10_000,
  maxAttempts: 20,
  // Rides out a database failover or a redeploy of a dependency (tens of seconds) without parking.
  maxElapsedMs: 60_000,
};

// Slot waits under load and the ack's trip to the server: room between the last attempt's timeout and the server's.
const MESSAGE_TIMEOUT_MARGIN_MS = 10_000;

/** The declared policy over the defaults, with environment overrides over both. */
export function resolveRetryPolicy(declared: Partial<RetryPolicy> = {}, overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const defined = <K extends keyof RetryPolicy>(key: K): RetryPolicy[K] => overrides[key] ?? declared[key] ?? DEFAULT_RETRY_POLICY[key];
  return {
    initialDelayMs: defined('initialDelayMs'),
    factor: defined('factor'),
    maxDelayMs: defined('maxDelayMs'),
    maxAttempts: defined('maxAttempts'),
    maxElapsedMs: defined('maxElapsedMs'),
  };
}

/** What is wrong with a policy, each problem naming its field under `prefix`; empty when it can run. */
export function retryPolicyProblems(policy: Partial<RetryPolicy>, prefix: string): string[] {
  const problems: string[] = [];
  const whole = (key: keyof RetryPolicy, min: number) => {
    const value = policy[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
      problems.push(`${prefix}${key}: expected a whole number of at least ${min}, got ${value}`);
    }
  };
  whole('initialDelayMs', 0);
  whole('maxDelayMs', 0);
  whole('maxAttempts', 1);
  whole('maxElapsedMs', 0);
  if (policy.factor !== undefined && !(Number.isFinite(policy.factor) && policy.factor >= 1)) {
    problems.push(`${prefix}factor: expected a number of at least 1, got ${policy.factor}`);
  }
  if (policy.initialDelayMs !== undefined && policy.maxDelayMs !== undefined && policy.initialDelayMs > policy.maxDelayMs) {
    problems.push(`${prefix}initialDelayMs: must not exceed maxDelayMs`);
  }
  return problems;
}

/**
 * The delay before the retry that follows `failures` failed attempts (1 for the first retry): the
 * exponential step, with "equal jitter" (between half of it and all of it) so that events failing
 * together spread out, while each retry still waits long enough for the count budget to mean time.
 */
export function retryDelay(policy: RetryPolicy, failures: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, failures - 1));
  return Math.floor(step / 2 + random() * (step / 2));
}

export type RetryDecision = { readonly action: 'wait'; readonly delayMs: number } | { readonly action: 'give-up'; readonly reason: string };

/** After `failures` failed attempts, `elapsedMs` after the first began: wait and retry, or give up (park). */
export function nextRetry(policy: RetryPolicy, failures: number, elapsedMs: number, random: () => number = Math.random): RetryDecision {
  const spent = `retry budget spent after ${failures} attempt${failures === 1 ? '' : 's'} in ${Math.round(elapsedMs / 100) / 10} s`;
  if (failures >= policy.maxAttempts) return { action: 'give-up', reason: `${spent} (maxAttempts ${policy.maxAttempts})` };
  const delayMs = retryDelay(policy, failures, random);
  if (elapsedMs + delayMs > policy.maxElapsedMs) return { action: 'give-up', reason: `${spent} (maxElapsedMs ${policy.maxElapsedMs})` };
  return { action: 'wait', delayMs };
}

/**
 * The server's message timeout a group needs so that it never redelivers an event the runtime is
 * still retrying: the last retry starts within the time budget and may run for the handler timeout.
 */
export function requiredMessageTimeoutMs(policy: RetryPolicy, handlerTimeoutMs: number): number {
  return policy.maxElapsedMs + handlerTimeoutMs + MESSAGE_TIMEOUT_MARGIN_MS;
}
