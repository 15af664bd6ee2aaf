import { summarizeReadModel } from './read-models';

const build = (fields: Record<string, unknown>) => ({
  label: 'v2',
  version: 2,
  purpose: 'serve',
  state: 'building',
  group: 'projector-v2',
  startedAt: '2026-11-30T12:00:00.000Z',
  replayed: 0,
  ratePerSecond: 0,
  parked: 0,
  acceptParked: false,
  ...fields,
});

const status = (builds: unknown[]) => ({
  function: 'projector',
  declaredVersion: 2,
  serving: { label: 'v1', version: 1, group: 'projector', schema: 'rm_projector_v1' },
  builds,
  generations: [],
});

describe('a read-model status as the Functions page shows it', () => {
  test.each([
    { name: 'lag measured: done over done plus lag', fields: { replayed: 300, lag: 100, total: 1_000 }, progress: 0.75 },
    { name: 'no lag yet: from the count taken at the start', fields: { replayed: 250, total: 1_000 }, progress: 0.25 },
    { name: 'nothing counted yet: no progress', fields: { replayed: 10 }, progress: undefined },
    { name: 'an empty log: done', fields: { replayed: 0, total: 0 }, progress: 1 },
  ])('$name', ({ fields, progress }) => {
    const summary = summarizeReadModel(status([build(fields)]));
    expect(summary.serving).toEqual({ label: 'v1', version: 1 });
    expect(summary.builds[0]?.progress).toBe(progress);
  });

  test('an answer of another shape is reported, not thrown', () => {
    expect(summarizeReadModel({ nothing: true })).toEqual({ builds: [], error: 'the read-model status has an unexpected shape' });
  });
});
