import type { EventSchemas, FunctionDefinition } from '@spillway/runtime';
import type { DevOptions } from './dev-options';
import type { DevFunction } from './function-folders';
import { describeReadModels, runPlan } from './run-plan';
import { scalingPlan } from './scaling-plan';

const handle = async () => {};
const source = { all: { streamNamePrefixes: ['x-'] } };

function fn(name: string, definition: Partial<FunctionDefinition<EventSchemas, unknown>> = {}): DevFunction {
  return { name, folder: `/repo/functions/${name}`, definition: { name, ...definition } };
}

const found = [
  fn('gift-cards', { subscription: { source, group: 'gift-cards', events: {}, handle, settings: { maxSubscriberCount: 1 } } }),
  fn('order-projector', {
    subscription: { source, group: 'order-projector', events: {}, handle },
    readModel: { version: 1, migrations: [] },
  }),
  fn('audit', { subscription: { source, group: 'audit', events: {}, handle }, readModel: { version: 1, migrations: [] } }),
  fn('order-create'),
  fn('stock-reservation', { subscription: { source: { stream: '$ce-order' }, group: 'stock-reservation', events: {}, handle } }),
];

function options(overrides: Partial<DevOptions> = {}): DevOptions {
  return {
    root: '/repo',
    dataDir: '/data',
    databaseUrl: '',
    logLevel: 'warn',
    ports: { emulator: 2113, gateway: 8080 },
    documentedPorts: new Map([
      ['order-create', 8081],
      ['stock-reservation', 8082],
      ['order-projector', 8083],
    ]),
    portsFrom: 8084,
    scaling: scalingPlan({ maxReplicas: '3' }, 'pglite'),
    ...overrides,
  };
}

const ports = new Map(found.map((f, i) => [f.name, 9000 + i]));

describe('how spillway dev runs what it found', () => {
  test("the shop first, in the README's order, then the others by name, each on its port", () => {
    expect(runPlan(found, options(), ports).map((f) => [f.name, f.port])).toEqual([
      ['order-create', 9003],
      ['stock-reservation', 9004],
      ['order-projector', 9001],
      ['audit', 9002],
      ['gift-cards', 9000],
    ]);
  });

  test.each([
    { name: 'no subscription: one supervised process', fn: 'order-create', scaled: undefined },
    { name: 'a subscription: scaled by lag up to the ceiling', fn: 'stock-reservation', scaled: 3 },
    { name: 'a read model on PGlite: one replica', fn: 'order-projector', scaled: 1 },
    { name: 'a subscription capping its consumers: at most the cap', fn: 'gift-cards', scaled: 1 },
  ])('$name', ({ fn: name, scaled }) => {
    const planned = runPlan(found, options(), ports).find((f) => f.name === name)!;
    expect(planned.scaling?.maxReplicas).toBe(scaled);
    expect(planned.subscription !== undefined).toBe(name !== 'order-create');
  });

  test('--no-autoscale: every function one process, subscriptions still known to the console', () => {
    const planned = runPlan(found, options({ scaling: undefined }), ports);
    expect(planned.every((f) => f.scaling === undefined)).toBe(true);
    expect(planned.find((f) => f.name === 'stock-reservation')?.subscription?.group).toBe('stock-reservation');
  });

  test('each read model on PGlite gets its own folder, the shop keeping read-model; PostgreSQL holds them all', () => {
    const pglite = runPlan(found, options(), ports);
    expect(pglite.find((f) => f.name === 'order-projector')?.env).toEqual({ DATABASE_URL: '', PGLITE_DATA_DIR: '/data/read-model' });
    expect(pglite.find((f) => f.name === 'audit')?.env).toEqual({ DATABASE_URL: '', PGLITE_DATA_DIR: '/data/read-model-audit' });
    expect(pglite.find((f) => f.name === 'order-create')?.env).toEqual({});
    expect(describeReadModels(pglite, '')).toBe('PGlite in /data/read-model (order-projector), /data/read-model-audit (audit)');
    expect(
      describeReadModels(
        pglite.filter((f) => f.name !== 'audit'),
        '',
      ),
    ).toBe('PGlite in /data/read-model');

    const url = 'postgres://me:secret@db:5432/shop';
    const postgres = runPlan(found, options({ databaseUrl: url, scaling: scalingPlan({}, 'postgres') }), ports);
    expect(postgres.find((f) => f.name === 'audit')?.env).toEqual({ DATABASE_URL: url });
    expect(describeReadModels(postgres, url)).toBe('PostgreSQL postgres://***@db:5432/shop');
    expect(
      describeReadModels(
        postgres.filter((f) => f.name === 'order-create'),
        url,
      ),
    ).toBe('');
  });
});
