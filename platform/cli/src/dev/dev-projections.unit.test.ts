import type { EventSchemas, FunctionDefinition, SubscriptionSource } from '@spillway/runtime';
import { devProjections } from './dev-projections';
import type { DevFunction } from './function-folders';

const handle = async () => {};

function fn(name: string, source?: SubscriptionSource): DevFunction {
  const definition: FunctionDefinition<EventSchemas, unknown> = source
    ? { name, subscription: { source, group: name, events: {}, handle } }
    : { name };
  return { name, folder: `/repo/functions/${name}`, definition };
}

describe("dev's projections", () => {
  test("none by default, as the chart's EventStoreDB runs: $all and plain streams need none", () => {
    const shop = [
      fn('order-create'),
      fn('stock-reservation', { all: { eventTypePrefixes: ['OrderCreated'] } }),
      fn('audit', { stream: 'order-1' }),
    ];
    expect(devProjections(undefined, shop)).toEqual({ level: 'none', why: expect.stringContaining("chart's EventStoreDB") });
  });

  test.each(['$ce-order', '$et-OrderCreated', '$category-order', '$streams'])(
    'system when a function subscribes to %s, which only they write, naming it and the cluster setting',
    (stream) => {
      const chosen = devProjections(undefined, [fn('order-create'), fn('billing', { stream })]);
      expect(chosen.level).toBe('system');
      expect(chosen.why).toContain(`billing subscribes to ${stream}`);
      expect(chosen.why).toContain('EVENTSTORE_RUN_PROJECTIONS=System');
    },
  );

  test('the flag decides when given, either way', () => {
    expect(devProjections('all', [fn('order-create')]).level).toBe('all');
    expect(devProjections('none', [fn('billing', { stream: '$ce-order' })]).level).toBe('none');
  });
});
