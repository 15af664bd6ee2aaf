import type { GroupReading, LagMeasurement } from '../lag/lag-source';
import { etaOf, GroupRates, generationOf, processedOf, RATE_WINDOW_MS, rateOf, readModelFromGroups } from './read-model-groups';

const measured = (fields: Partial<LagMeasurement>): LagMeasurement => ({
  lag: 0,
  inFlight: 0,
  retryBuffer: 0,
  parked: 0,
  capped: false,
  groupExists: true,
  caughtUp: true,
  consumers: 1,
  processedTotal: 0,
  ...fields,
});
const reading = (group: string, fields: Partial<LagMeasurement>): GroupReading => ({ group, measurement: measured(fields) });

describe('a build group named after its generation', () => {
  test.each([
    { name: 'a new version', group: 'order-projector-v2', expected: { label: 'v2', version: 2, purpose: 'serve' } },
    { name: 'a rebuild of v1', group: 'order-projector-v1b', expected: { label: 'v1b', version: 1, purpose: 'serve' } },
    { name: 'a rebuild past z', group: 'order-projector-v12_27', expected: { label: 'v12_27', version: 12, purpose: 'serve' } },
    { name: 'a verify build', group: 'order-projector-v3-verify2', expected: { label: 'v3-verify2', version: 3, purpose: 'verify' } },
    { name: 'the declared group names no label', group: 'order-projector', expected: undefined },
    { name: 'another function of a similar name', group: 'order-projector-views', expected: undefined },
  ])('$name: $group', ({ group, expected }) => {
    expect(generationOf('order-projector', group)).toEqual(expected);
  });
});

describe('rate and ETA from processed counts', () => {
  test.each([
    { name: 'one reading: no rate yet', readings: [{ at: 0, processed: 10 }], rate: undefined },
    {
      name: 'over the window: from its oldest reading',
      readings: [
        { at: 0, processed: 0 },
        { at: 1_000, processed: 100 },
        { at: 3_000, processed: 400 },
      ],
      rate: 400 / 3,
    },
    {
      name: 'readings older than the window are left out',
      readings: [
        { at: 0, processed: 0 },
        { at: 40_000, processed: 1_000 },
        { at: 50_000, processed: 3_000 },
      ],
      rate: 200,
    },
    {
      name: 'nobody looked for longer than the window: the average over the gap',
      readings: [
        { at: 0, processed: 0 },
        { at: 2 * RATE_WINDOW_MS, processed: 6_000 },
      ],
      rate: 6_000 / ((2 * RATE_WINDOW_MS) / 1000),
    },
    {
      name: 'a stalled build: zero',
      readings: [
        { at: 0, processed: 50 },
        { at: 2_000, processed: 50 },
      ],
      rate: 0,
    },
  ])('$name', ({ readings, rate }) => {
    expect(rateOf(readings)).toBe(rate);
  });

  test.each([
    { name: 'every delivery acknowledged', fields: { processedTotal: 100 }, processed: 100 },
    {
      name: 'delivered, not yet acknowledged or waiting for a retry',
      fields: { processedTotal: 100, inFlight: 30, retryBuffer: 5 },
      processed: 65,
    },
    { name: 'the server did not say', fields: { processedTotal: undefined }, processed: undefined },
  ])('processed: $name', ({ fields, processed }) => {
    expect(processedOf(measured(fields))).toBe(processed);
  });

  test.each([
    { name: 'lag over rate', lag: 1_000, rate: 250, eta: 4 },
    { name: 'nothing left: now, whatever the rate', lag: 0, rate: undefined, eta: 0 },
    { name: 'not moving: no ETA', lag: 10, rate: 0, eta: undefined },
    { name: 'no rate yet: no ETA', lag: 10, rate: undefined, eta: undefined },
  ])('$name', ({ lag, rate, eta }) => {
    expect(etaOf(lag, rate)).toBe(eta);
  });

  test('each tick counts once, however often the console asks, and a server restart starts the rate afresh', () => {
    const rates = new GroupRates();
    rates.record(1_000, [reading('p-v2', { processedTotal: 100 })]);
    rates.record(1_000, [reading('p-v2', { processedTotal: 100 })]);
    expect(rates.rate('p-v2')).toBeUndefined();
    rates.record(3_000, [reading('p-v2', { processedTotal: 500 })]);
    rates.record(3_000, [reading('p-v2', { processedTotal: 500 })]);
    expect(rates.rate('p-v2')).toBe(200);
    rates.record(5_000, [reading('p-v2', { processedTotal: 20 })]);
    expect(rates.rate('p-v2')).toBeUndefined();
    rates.record(6_000, [reading('p', { processedTotal: 7 })]);
    expect(rates.rate('p-v2')).toBeUndefined();
  });
});

describe("a read model from its family's groups", () => {
  const rates: Record<string, number> = { p: 10, 'p-v2': 50 };
  const rate = (group: string) => rates[group];

  test('a declared group alone says nothing of a read model', () => {
    expect(readModelFromGroups('p', [reading('p', { processedTotal: 5 })], rate)).toBeUndefined();
  });

  test('a build beside the declared group: both listed with their figures, which one serves not known', () => {
    const summary = readModelFromGroups(
      'p',
      [reading('p-v2', { lag: 300, processedTotal: 120, inFlight: 20, parked: 1 }), reading('p', { lag: 0, processedTotal: 4_000 })],
      rate,
    );
    expect(summary).toEqual({
      measuredFrom: 'groups',
      declaredGroup: 'p',
      builds: [
        { group: 'p', declared: true, replayed: 4_000, progress: 1, lag: 0, ratePerSecond: 10, etaSeconds: 0, parked: 0 },
        {
          label: 'v2',
          version: 2,
          purpose: 'serve',
          group: 'p-v2',
          replayed: 100,
          progress: 0.25,
          lag: 300,
          ratePerSecond: 50,
          etaSeconds: 6,
          parked: 1,
        },
      ],
      unknown: ['serving', 'declaredVersion', 'builds.state', 'builds.startedAt', 'builds.total'],
    });
  });

  test('builds in label order after the declared group, a capped lag flagged', () => {
    const summary = readModelFromGroups(
      '$all-p',
      [reading('$all-p-v10', {}), reading('$all-p-v2b', { capped: true, lag: 5 }), reading('$all-p-v2', {})],
      () => undefined,
    );
    expect(summary?.builds.map((b) => [b.label, b.capped ?? false, b.etaSeconds])).toEqual([
      ['v2', false, 0],
      ['v2b', true, undefined],
      ['v10', false, 0],
    ]);
  });

  test('one build group left after a switch: it serves', () => {
    const summary = readModelFromGroups('p', [reading('p-v2', { processedTotal: 9 })], rate);
    expect(summary).toEqual({
      measuredFrom: 'groups',
      declaredGroup: 'p',
      serving: { label: 'v2', version: 2, group: 'p-v2' },
      builds: [],
      unknown: ['declaredVersion', 'builds.state', 'builds.startedAt', 'builds.total'],
    });
  });
});
