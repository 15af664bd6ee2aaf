import { z } from 'zod';
import { checkDefinition, DefinitionError } from './check-definition';
import { defineFunction, type SubscriptionDefinition } from './define-function';

const events = { Pinged: z.object({ n: z.number() }) };

function withSubscription(overrides: Partial<SubscriptionDefinition<typeof events, undefined>>) {
  return defineFunction({
    name: 'checked',
    subscription: { source: { stream: 's' }, group: 'g', events, handle: async () => {}, ...overrides },
  });
}

const handle = async () => ({ status: 200 });

describe('checkDefinition', () => {
  test('a well-formed definition passes', () => {
    expect(() =>
      checkDefinition(
        withSubscription({
          concurrency: 4,
          timeoutMs: 500,
          settings: { maxRetryCount: 0, checkPointLowerBound: 1, checkPointUpperBound: 5 },
        }),
      ),
    ).not.toThrow();
  });

  test.each([
    {
      name: 'zero concurrency (no event would ever run)',
      check: () => checkDefinition(withSubscription({ concurrency: 0 })),
      field: 'subscription.concurrency',
    },
    {
      name: 'fractional concurrency',
      check: () => checkDefinition(withSubscription({ concurrency: 2.5 })),
      field: 'subscription.concurrency',
    },
    {
      name: 'zero timeout (every event would fail)',
      check: () => checkDefinition(withSubscription({ timeoutMs: 0 })),
      field: 'subscription.timeoutMs',
    },
    { name: 'an empty group', check: () => checkDefinition(withSubscription({ group: ' ' })), field: 'subscription.group' },
    {
      name: 'a negative retry count',
      check: () => checkDefinition(withSubscription({ settings: { maxRetryCount: -1 } })),
      field: 'subscription.settings.maxRetryCount',
    },
    {
      name: 'a retry policy with no attempt',
      check: () => checkDefinition(withSubscription({ retry: { maxAttempts: 0 } })),
      field: 'subscription.retry.maxAttempts',
    },
    {
      name: 'a retry factor that shrinks the delays',
      check: () => checkDefinition(withSubscription({ retry: { factor: 0.5 } })),
      field: 'subscription.retry.factor',
    },
    {
      name: 'checkpoint bounds the wrong way round',
      check: () => checkDefinition(withSubscription({ settings: { checkPointLowerBound: 10, checkPointUpperBound: 2 } })),
      field: 'subscription.settings.checkPointLowerBound',
    },
    {
      name: 'a route path without a leading slash',
      check: () => checkDefinition(defineFunction({ name: 'checked', routes: [{ method: 'GET', path: 'orders', handle }] })),
      field: 'routes',
    },
    {
      name: 'the same route twice',
      check: () =>
        checkDefinition(
          defineFunction({
            name: 'checked',
            routes: [
              { method: 'GET', path: '/orders', handle },
              { method: 'GET', path: '/orders', handle },
            ],
          }),
        ),
      field: 'routes',
    },
    { name: 'an empty name', check: () => checkDefinition(defineFunction({ name: '' })), field: 'name' },
  ])('$name is refused, naming $field', ({ check, field }) => {
    expect(check).toThrow(DefinitionError);
    let problems: readonly string[] = [];
    try {
      check();
    } catch (err) {
      problems = (err as DefinitionError).problems;
    }
    expect(problems.map((p) => p.split(':')[0])).toEqual([field]);
  });
});
