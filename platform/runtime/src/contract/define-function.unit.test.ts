// Pins the contract at the type level: every `@ts-expect-error` below must stay an error, which
// `npm run typecheck` checks (an unused directive is itself an error). The assertions check run-time shape.
import { z } from 'zod';
import { defineFunction, type TypedEvent } from './define-function';

const events = {
  OrderCreated: z.object({ orderId: z.string(), qty: z.number() }),
  OrderCancelled: z.object({ orderId: z.string() }),
};

describe('defineFunction', () => {
  test('returns the definition unchanged, with handlers typed from the schemas', async () => {
    const seen: string[] = [];
    const fn = defineFunction({
      name: 'typed',
      async init() {
        return { prefix: 'seen:' };
      },
      subscription: {
        source: { all: { streamNamePrefixes: ['order-'] } },
        group: 'typed',
        events,
        async handle(event, ctx) {
          switch (event.type) {
            case 'OrderCreated': {
              const qty: number = event.data.qty;
              seen.push(`${ctx.deps.prefix}${event.data.orderId}x${qty}`);
              break;
            }
            case 'OrderCancelled':
              seen.push(`${ctx.deps.prefix}${event.data.orderId}`);
              break;
            default: {
              const unreachable: never = event;
              throw new Error(`unhandled ${String(unreachable)}`);
            }
          }
        },
      },
      routes: [
        {
          method: 'POST',
          path: '/orders',
          body: z.object({ qty: z.number() }),
          async handle(req, ctx) {
            const qty: number = req.body.qty;
            return { status: 201, body: { qty, prefix: ctx.deps.prefix } };
          },
        },
      ],
    });
    expect(fn.name).toBe('typed');
    expect(fn.subscription?.group).toBe('typed');
    const event: TypedEvent<typeof events> = {
      type: 'OrderCreated',
      data: { orderId: 'o1', qty: 2 },
      id: 'e1',
      streamId: 'order-o1',
      revision: 0n,
      metadata: {},
      retryCount: 0,
    };
    const ctx = {
      deps: { prefix: 'seen:' },
      log: undefined as never,
      eventStore: undefined as never,
      signal: new AbortController().signal,
      readModel: undefined as never,
    };
    await fn.subscription?.handle(event, ctx);
    expect(seen).toEqual(['seen:o1x2']);
  });

  test('wrong handler signatures do not compile', () => {
    const wrong = [
      defineFunction({
        name: 'wrong-data',
        subscription: {
          source: { stream: 'orders' },
          group: 'g',
          events,
          async handle(event) {
            // @ts-expect-error qty is a number, not a string
            if (event.type === 'OrderCreated') event.data.qty satisfies string;
          },
        },
      }),
      defineFunction({
        name: 'unknown-type',
        subscription: {
          source: { stream: 'orders' },
          group: 'g',
          events,
          async handle(event) {
            // @ts-expect-error OrderShipped has no schema, so it cannot be delivered
            if (event.type === 'OrderShipped') return;
          },
        },
      }),
      defineFunction({
        name: 'sync-handler',
        subscription: {
          source: { stream: 'orders' },
          group: 'g',
          events,
          // @ts-expect-error a handler returns a promise
          handle(_event) {
            return 1;
          },
        },
      }),
      defineFunction({
        name: 'no-status',
        routes: [
          {
            method: 'GET',
            path: '/x',
            // @ts-expect-error a route response needs a status
            async handle() {
              return { body: {} };
            },
          },
        ],
      }),
      defineFunction({
        name: 'bad-method',
        routes: [
          {
            // @ts-expect-error PATCH is not a supported method
            method: 'PATCH',
            path: '/x',
            async handle() {
              return { status: 200 };
            },
          },
        ],
      }),
      defineFunction({
        name: 'deps-typed',
        async init() {
          return { pool: 1 };
        },
        routes: [
          {
            method: 'GET',
            path: '/x',
            async handle(_req, ctx) {
              // @ts-expect-error deps has no `db`; its type comes from init
              return { status: 200, body: ctx.deps.db };
            },
          },
        ],
      }),
      // @ts-expect-error a function needs a name
      defineFunction({ routes: [] }),
    ];
    expect(wrong.map((fn) => fn.name)).toEqual([
      'wrong-data',
      'unknown-type',
      'sync-handler',
      'no-status',
      'bad-method',
      'deps-typed',
      undefined,
    ]);
  });
});
