import {
  DEFAULT_RETRY_POLICY,
  nextRetry,
  type RetryPolicy,
  requiredMessageTimeoutMs,
  resolveRetryPolicy,
  retryDelay,
  retryPolicyProblems,
} from './retry-policy';

const policy: RetryPolicy = { initialDelayMs: 100, factor: 2, maxDelayMs: 1_000, maxAttempts: 6, maxElapsedMs: 5_000 };
const lowest = () => 0;
const highest = () => 0.999_999;

describe('retryDelay', () => {
  test.each([
    { name: 'first retry', failures: 1, min: 50, max: 100 },
    { name: 'second retry doubles', failures: 2, min: 100, max: 200 },
    { name: 'fourth retry', failures: 4, min: 400, max: 800 },
    { name: 'capped at maxDelayMs', failures: 5, min: 500, max: 1_000 },
    { name: 'still capped much later', failures: 40, min: 500, max: 1_000 },
  ])('$name: between half the step and the step', ({ failures, min, max }) => {
    expect(retryDelay(policy, failures, lowest)).toBe(min);
    expect(retryDelay(policy, failures, highest)).toBe(max - 1);
  });

  test('a factor of 1 keeps the delay constant', () => {
    const flat = { ...policy, factor: 1 };
    expect(retryDelay(flat, 1, highest)).toBe(retryDelay(flat, 9, highest));
  });
});

describe('nextRetry', () => {
  test('waits while both budgets last', () => {
    expect(nextRetry(policy, 1, 0, lowest)).toEqual({ action: 'wait', delayMs: 50 });
  });

  test('gives up once maxAttempts handler runs have failed', () => {
    const decision = nextRetry(policy, 6, 1_000, lowest);
    expect(decision).toEqual({ action: 'give-up', reason: 'retry budget spent after 6 attempts in 1 s (maxAttempts 6)' });
  });

  test('gives up when the next wait would end past maxElapsedMs', () => {
    expect(nextRetry(policy, 2, 4_850, lowest)).toMatchObject({ action: 'wait' });
    expect(nextRetry(policy, 2, 4_950, lowest)).toMatchObject({ action: 'give-up', reason: expect.stringMatching(/maxElapsedMs 5000\)$/) });
  });

  test('maxAttempts 1 never retries', () => {
    expect(nextRetry({ ...policy, maxAttempts: 1 }, 1, 0)).toMatchObject({ action: 'give-up' });
  });
});

describe('resolveRetryPolicy', () => {
  test('the environment wins over the declaration, which wins over the defaults', () => {
    const resolved = resolveRetryPolicy({ maxAttempts: 3, initialDelayMs: 10 }, { maxAttempts: 7 });
    expect(resolved).toEqual({ ...DEFAULT_RETRY_POLICY, maxAttempts: 7, initialDelayMs: 10 });
  });
});

describe('retryPolicyProblems', () => {
  test('the defaults are valid', () => {
    expect(retryPolicyProblems(DEFAULT_RETRY_POLICY, '')).toEqual([]);
  });

  test.each([
    { name: 'no attempt at all', policy: { maxAttempts: 0 }, field: 'retry.maxAttempts' },
    { name: 'a shrinking factor', policy: { factor: 0.5 }, field: 'retry.factor' },
    { name: 'an infinite factor', policy: { factor: Number.POSITIVE_INFINITY }, field: 'retry.factor' },
    { name: 'a negative delay', policy: { initialDelayMs: -1 }, field: 'retry.initialDelayMs' },
    { name: 'a fractional budget', policy: { maxElapsedMs: 1.5 }, field: 'retry.maxElapsedMs' },
    { name: 'a first delay above the cap', policy: { initialDelayMs: 500, maxDelayMs: 100 }, field: 'retry.initialDelayMs' },
  ])('$name is named', ({ policy: given, field }) => {
    const problems = retryPolicyProblems(given, 'retry.');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
  });
});

test('the message timeout a group needs covers the time budget, the last attempt and a margin', () => {
  expect(requiredMessageTimeoutMs(policy, 2_000)).toBeGreaterThan(policy.maxElapsedMs + 2_000);
});
