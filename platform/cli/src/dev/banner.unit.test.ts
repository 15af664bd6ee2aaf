import { type BannerInput, banner } from './banner';

const input: BannerInput = {
  dataDir: '/data',
  emulator: 'esdb://127.0.0.1:2113?tls=false',
  projections: { level: 'none', why: "as the chart's EventStoreDB runs" },
  gateway: 'http://127.0.0.1:8080',
  console: 'http://127.0.0.1:8080/console',
  urls: new Map([['order-create', 'http://127.0.0.1:8081']]),
  skipped: [],
  readModel: 'PGlite in /data/read-model',
  seconds: 1.5,
  autoscale: true,
  scaling: [],
};

describe('the dev banner', () => {
  test('the emulator line says which projections run and why', () => {
    expect(banner(input)).toContain(
      `emulator           esdb://127.0.0.1:2113?tls=false   (projections: none, as the chart's EventStoreDB runs)`,
    );
  });

  test.each([
    {
      name: 'with autoscaling up to 3',
      autoscale: true,
      reservationMax: 3,
      says: 'then watch stock-reservation scale up, then down',
      never: 'nothing scales',
    },
    {
      name: 'with autoscaling fixed at 1 by the cores',
      autoscale: true,
      reservationMax: 1,
      says: 'stock-reservation is fixed at 1 here: start with --max-replicas 3 to watch it scale',
      never: 'scale up',
    },
    { name: 'with --no-autoscale', autoscale: false, reservationMax: undefined, says: 'one process each, nothing scales', never: 'watch' },
  ])('$name the load hint says what will happen', ({ autoscale, reservationMax, says, never }) => {
    const text = banner({ ...input, autoscale, scaling: autoscale ? ['  stock-reservation  1 running'] : [], reservationMax });
    expect(text).toContain(says);
    expect(text).not.toContain(never);
  });

  test.each([
    { name: '--no-autoscale', autoscale: false, says: 'Replicas: one process each (--no-autoscale).' },
    {
      name: 'no subscriptions to scale by',
      autoscale: true,
      says: 'Replicas: one process each (no function has a subscription to scale by).',
    },
  ])('without scaled functions the replicas line says why: $name', ({ autoscale, says }) => {
    expect(banner({ ...input, autoscale, scaling: [] })).toContain(says);
  });

  test('every function is listed with its URL, and folders that are no function are named', () => {
    const text = banner({
      ...input,
      urls: new Map([
        ['order-create', 'http://127.0.0.1:8081'],
        ['gift-cards', 'http://127.0.0.1:8084'],
      ]),
      skipped: ['functions/contracts'],
    });
    expect(text).toMatch(/^ {2}gift-cards +http:\/\/127\.0\.0\.1:8084$/m);
    expect(text).toMatch(/^ {2}not functions +functions\/contracts /m);
  });

  test('without the shop, the walk-through gives way to the route list', () => {
    const text = banner({ ...input, urls: new Map([['gift-cards', 'http://127.0.0.1:8084']]) });
    expect(text).toContain('curl http://127.0.0.1:8080/openapi.json');
    expect(text).not.toContain('/orders');
  });
});
