import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './helm';
import { CHART_SCHEMAS, generateDefs } from './schema-defs';

describe("the charts' Kubernetes type definitions", () => {
  const generated = generateDefs();

  test.each(CHART_SCHEMAS)(
    '%s carries the $defs generated from kubernetes-models (run `npx tsx charts/test-kit/schema-defs.ts && npm run format` when not)',
    (file) => {
      const schema = JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as { $defs?: unknown };
      expect(schema.$defs).toEqual(generated);
    },
  );

  test('the definitions are closed objects with the fields Kubernetes declares', () => {
    const podSecurityContext = generated['IoK8sApiCoreV1PodSecurityContext'] as {
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    expect(podSecurityContext.additionalProperties).toBe(false);
    expect(Object.keys(podSecurityContext.properties)).toEqual(
      expect.arrayContaining(['runAsNonRoot', 'runAsUser', 'seccompProfile', 'fsGroup']),
    );
    expect(generated['Toleration']).toEqual({ $ref: '#/$defs/IoK8sApiCoreV1Toleration' });
    expect(generated['IoK8sApiCoreV1Toleration']).toMatchObject({
      properties: { effect: { enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'] } },
    });
    expect(generated['IoK8sApiCoreV1EnvVar']).toMatchObject({ required: ['name'] });
  });
});
