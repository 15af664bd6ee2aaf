import { inventory, parseManifests, validateManifest } from './manifests';

// The chart tests lean on these helpers to fail when a manifest is wrong; this shows they can.
const deployment = (spec: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'fn' }, spec });
const pod = { spec: { containers: [{ name: 'fn', image: 'fn:1' }] } };

describe('validateManifest', () => {
  test.each([
    { name: 'a valid Deployment', manifest: deployment({ selector: { matchLabels: { a: 'b' } }, template: pod }), error: undefined },
    { name: 'a Deployment without a selector', manifest: deployment({ template: pod }), error: 'apps/v1/Deployment fn is invalid' },
    {
      name: 'a port given as a string',
      manifest: deployment({
        selector: { matchLabels: { a: 'b' } },
        template: { spec: { containers: [{ name: 'fn', image: 'fn:1', ports: [{ containerPort: '8080' }] }] } },
      }),
      error: 'containerPort must be integer',
    },
    {
      name: 'a kind with no schema here',
      manifest: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' } },
      error: 'no schema to validate this kind',
    },
  ])('$name', ({ manifest, error }) => {
    if (error === undefined) expect(() => validateManifest(manifest)).not.toThrow();
    else expect(() => validateManifest(manifest)).toThrow(error);
  });
});

describe('parseManifests', () => {
  test('drops the empty documents of disabled templates and names the rest', () => {
    const text =
      '---\n# Source: x\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n';
    expect(inventory(parseManifests(text))).toEqual(['Service/b', 'ServiceAccount/a']);
  });

  test('refuses a document that is not a Kubernetes object', () => {
    expect(() => parseManifests('just: data\n')).toThrow('not a Kubernetes object');
  });
});
