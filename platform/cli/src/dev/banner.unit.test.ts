import { type BannerInput, banner } from './banner';

const input: BannerInput = {
  dataDir: '/data',
  emulator: 'esdb://127.0.0.1:2113?tls=false',
  gateway: 'http://127.0.0.1:8080',
  console: 'http://127.0.0.1:8080/console',
  urls: new Map([['order-create', 'http://127.0.0.1:8081']]),
  readModel: 'PGlite in /data/read-model',
  seconds: 1.5,
  scaling: [],
};

describe('the dev banner', () => {
  test.each([
    {
      name: 'with autoscaling',
      scaling: ['  stock-reservation  1 running, 1-3 by lag'],
      says: 'watch stock-reservation scale up',
      never: 'nothing scales',
    },
    { name: 'with --no-autoscale', scaling: [], says: 'one process each, nothing scales', never: 'watch' },
  ])('$name the load hint says what will happen', ({ scaling, says, never }) => {
    const text = banner({ ...input, scaling });
    expect(text).toContain(says);
    expect(text).not.toContain(never);
  });
});
