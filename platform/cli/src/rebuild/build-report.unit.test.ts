import { type BuildView, duration, fraction, progressLine, type StatusView, summary } from './build-report';

const build = (over: Partial<BuildView> = {}): BuildView => ({
  label: 'v2',
  version: 2,
  purpose: 'serve',
  state: 'building',
  group: 'order-projector-v2',
  startedAt: '2026-01-01T00:00:00.000Z',
  replayed: 2_500,
  total: 10_000,
  lag: 7_500,
  ratePerSecond: 500,
  etaSeconds: 15,
  parked: 0,
  acceptParked: false,
  ...over,
});

describe('rebuild progress report', () => {
  test('a line for logs: percentage, replayed of total, lag, rate and ETA', () => {
    expect(progressLine(build(), false)).toBe('v2  25%  replayed 2,500 / 10,000  lag 7,500  500 events/s  ETA 15s');
  });

  test('a terminal line has a bar in front', () => {
    expect(progressLine(build({ replayed: 5_000 }), true)).toMatch(/^v2 {2}\[#{15}\.{15}\] {2}50%/);
  });

  test.each([
    { name: 'from the total counted at the start', view: build(), expected: 0.25 },
    { name: 'from the lag while the total is being counted', view: build({ total: undefined, replayed: 300, lag: 100 }), expected: 0.75 },
    { name: 'unknown without either', view: build({ total: undefined, lag: undefined }), expected: undefined },
    { name: 'never above 1 (redeliveries count twice)', view: build({ replayed: 12_000 }), expected: 1 },
  ])('fraction $name', ({ view, expected }) => {
    expect(fraction(view)).toBe(expected);
  });

  test.each([
    { seconds: 42, text: '42s' },
    { seconds: 125, text: '2m05s' },
    { seconds: 7_300, text: '2h01m' },
  ])('duration $seconds s -> $text', ({ seconds, text }) => {
    expect(duration(seconds)).toBe(text);
  });

  const status: StatusView = {
    function: 'order-projector',
    declaredVersion: 2,
    serving: { label: 'v2', version: 2, group: 'order-projector-v2' },
    builds: [],
    generations: [
      { label: 'v1', version: 1, purpose: 'serve', state: 'retired', group: 'order-projector', replayed: 0, startedAt: '', dropAfter: 'T' },
    ],
  };

  test('a switched build sums up what it replayed and what was retired', () => {
    const live = { label: 'v2', version: 2, purpose: 'serve', state: 'live', group: 'g', replayed: 1_000, startedAt: '' } as const;
    const { lines, ok } = summary(live, status, 4);
    expect(ok).toBe(true);
    expect(lines).toEqual(['v2 is live: replayed 1,000 events in 4s (250 events/s).', 'v1 retired, its tables dropped after T']);
  });

  test('a verify that found differences fails and lists them', () => {
    const verified = {
      label: 'v2-verify1',
      version: 2,
      purpose: 'verify',
      state: 'dropped',
      group: 'g',
      replayed: 10,
      startedAt: '',
      message: 'differs from v2 in orders',
      result: { differences: [{ table: 'orders', onlyInLive: 1, onlyInRebuild: 1, samples: {} }] },
    } as const;
    const { lines, ok } = summary(verified, status, 1);
    expect(ok).toBe(false);
    expect(lines[1]).toBe('  orders: 1 row(s) only in live, 1 only in the rebuild');
  });

  test('an aborted build fails and names what still serves', () => {
    const aborted = {
      label: 'v3',
      version: 3,
      purpose: 'serve',
      state: 'dropped',
      group: 'g',
      replayed: 5,
      startedAt: '',
      message: 'aborted on request',
    } as const;
    expect(summary(aborted, status, 1)).toEqual({ lines: ['v3 ended dropped: aborted on request; v2 serves.'], ok: false });
  });
});
