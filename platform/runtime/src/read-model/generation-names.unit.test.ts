import { groupFor, nextLabel, schemaFor } from './generation-names';

const labels = (...names: string[]) => names.map((label) => ({ label }));

describe('generation names', () => {
  test.each([
    { name: 'first build of a version', existing: [], version: 3, purpose: 'serve', label: 'v3' },
    { name: 'a rebuild of the same version', existing: ['v3'], version: 3, purpose: 'serve', label: 'v3b' },
    { name: 'a third build', existing: ['v3', 'v3b'], version: 3, purpose: 'serve', label: 'v3c' },
    { name: 'another version is not counted', existing: ['v2', 'v2b'], version: 3, purpose: 'serve', label: 'v3' },
    {
      name: 'the letters run out',
      existing: ['v1', ...'bcdefghijklmnopqrstuvwxyz'.split('').map((l) => `v1${l}`)],
      version: 1,
      purpose: 'serve',
      label: 'v1_27',
    },
    { name: 'a first verify', existing: ['v3'], version: 3, purpose: 'verify', label: 'v3-verify1' },
    { name: 'a second verify', existing: ['v3', 'v3-verify1'], version: 3, purpose: 'verify', label: 'v3-verify2' },
  ] as const)('$name -> $label', ({ existing, version, purpose, label }) => {
    expect(nextLabel(labels(...existing), version, purpose)).toBe(label);
  });

  test('schemas are lower-case identifiers PostgreSQL takes unquoted', () => {
    expect(schemaFor('order-projector', 'v3b')).toBe('rm_order_projector_v3b');
    expect(schemaFor('Order.Projector', 'v3-verify1')).toBe('rm_order_projector_v3_verify1');
    expect(schemaFor('x'.repeat(100), 'v1_27').length).toBeLessThanOrEqual(63);
  });

  test('the first generation keeps the declared group; later builds get their own', () => {
    expect(groupFor('order-projector', 'v1', true)).toBe('order-projector');
    expect(groupFor('order-projector', 'v1b', false)).toBe('order-projector-v1b');
  });
});
