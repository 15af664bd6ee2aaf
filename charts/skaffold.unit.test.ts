// skaffold.yaml sits at the repository root, where Jest does not look. No cluster or
// Docker engine runs here: this checks the file against the repository and renders the
// umbrella chart with the values skaffold would set.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { parse } from 'yaml';
import { parseStages } from './test-kit/dockerfile';
import { REPO_ROOT, removeScratchDir, renderChart } from './test-kit/helm';
import { inventory, only } from './test-kit/manifests';

afterAll(removeScratchDir);

interface Artifact {
  readonly image: string;
  readonly context: string;
  readonly docker: { readonly dockerfile: string; readonly target?: string; readonly buildArgs?: Readonly<Record<string, string>> };
}

interface Release {
  readonly name: string;
  readonly chartPath: string;
  readonly namespace: string;
  readonly setValueTemplates: Readonly<Record<string, string>>;
}

interface SkaffoldConfig {
  readonly apiVersion: string;
  readonly kind: string;
  readonly build: { readonly artifacts: readonly Artifact[] };
  readonly deploy: { readonly helm: { readonly releases: readonly Release[] } };
  readonly portForward: readonly { readonly resourceType: string; readonly resourceName: string; readonly port: number }[];
  readonly profiles: readonly {
    readonly name: string;
    readonly patches: readonly { readonly op: string; readonly path: string; readonly value: Readonly<Record<string, string>> }[];
  }[];
}

const config = parse(readFileSync(join(REPO_ROOT, 'skaffold.yaml'), 'utf8')) as SkaffoldConfig;
const [release] = config.deploy.helm.releases;
const umbrellaValues = parse(readFileSync(join(REPO_ROOT, 'charts', 'spillway', 'values.yaml'), 'utf8')) as Record<string, unknown>;
const stageNames = parseStages(readFileSync(join(REPO_ROOT, 'Dockerfile.template'), 'utf8')).map((s) => s.name);

/** The values key an artifact's image is set under: the function's alias, or the target's name. */
function valuesKey(artifact: Artifact): string {
  return artifact.docker.buildArgs?.['FUNCTION'] ?? artifact.docker.target ?? artifact.image;
}

/** Skaffold's template name for an image: `/`, `-` and `.` become `_`. */
const sanitized = (image: string) => image.replace(/[/.-]/g, '_');

// What skaffold substitutes into setValueTemplates after a build, for every artifact.
function substituted(): Record<string, string> {
  const digest = `sha256:${'0'.repeat(64)}`;
  const byTemplate = new Map<string, string>();
  for (const artifact of config.build.artifacts) {
    const name = sanitized(artifact.image);
    byTemplate.set(`{{.IMAGE_REPO_${name}}}`, `registry.test/${artifact.image}`);
    byTemplate.set(`{{.IMAGE_TAG_${name}}}`, 'dev-1');
    byTemplate.set(`{{.IMAGE_DIGEST_${name}}}`, digest);
  }
  return Object.fromEntries(
    Object.entries(release?.setValueTemplates ?? {}).map(([key, template]) => {
      const value = byTemplate.get(template);
      if (value === undefined) throw new Error(`${key}: ${template} names no artifact`);
      return [key, value];
    }),
  );
}

test('uses a current skaffold v4 schema', () => {
  expect(config.apiVersion).toMatch(/^skaffold\/v4beta(1[3-9]|[2-9][0-9])$/);
  expect(config.kind).toBe('Config');
});

test.each(config.build.artifacts.map((artifact) => ({ image: artifact.image, artifact })))(
  '$image builds from Dockerfile.template at the repository root',
  ({ artifact }) => {
    expect(artifact.context).toBe('.');
    expect(artifact.docker.dockerfile).toBe('Dockerfile.template');
    if (artifact.docker.target !== undefined) expect(stageNames).toContain(artifact.docker.target);
  },
);

const functionArtifacts = config.build.artifacts.filter((a) => a.docker.buildArgs?.['FUNCTION'] !== undefined);

test.each(functionArtifacts.map((artifact) => ({ fn: artifact.docker.buildArgs?.['FUNCTION'] ?? '', artifact })))(
  'FUNCTION=$fn has a functions/ folder, an entry in the chart values, and the image name the chart defaults to',
  ({ fn, artifact }) => {
    expect(existsSync(join(REPO_ROOT, 'functions', fn, 'package.json'))).toBe(true);
    expect(umbrellaValues).toHaveProperty([fn, 'enabled'], true);
    expect(artifact.image).toBe(`spillway-${fn}`);
    expect(artifact.docker.target).toBeUndefined();
  },
);

test('builds every function the umbrella chart deploys, and the autoscaler', () => {
  const deployed = ['order-create', 'stock-reservation', 'order-projector'].filter((fn) => fn in umbrellaValues);
  expect(functionArtifacts.map((a) => a.docker.buildArgs?.['FUNCTION']).sort()).toEqual(deployed.sort());
  expect(config.build.artifacts.filter((a) => a.docker.target === 'autoscaler').map((a) => a.image)).toEqual(['spillway-autoscaler']);
});

test('deploys the umbrella chart once, setting repository, tag and digest of every image', () => {
  expect(config.deploy.helm.releases).toHaveLength(1);
  expect(existsSync(join(REPO_ROOT, release?.chartPath ?? '', 'Chart.yaml'))).toBe(true);
  const expected = config.build.artifacts.flatMap((artifact) => {
    const name = sanitized(artifact.image);
    const key = valuesKey(artifact);
    return [
      [`${key}.image.repository`, `{{.IMAGE_REPO_${name}}}`],
      [`${key}.image.tag`, `{{.IMAGE_TAG_${name}}}`],
      [`${key}.image.digest`, `{{.IMAGE_DIGEST_${name}}}`],
    ];
  });
  expect(Object.entries(release?.setValueTemplates ?? {}).sort()).toEqual(expected.sort());
});

test.each([{ profile: 'none' }, { profile: 'dev' }])(
  'with profile $profile, the chart renders every built image into its Deployment',
  ({ profile }) => {
    const patches = (config.profiles.find((p) => p.name === profile)?.patches ?? []).filter((p) => p.path.startsWith('/deploy/'));
    for (const patch of patches) expect(patch.path).toBe('/deploy/helm/releases/0/setValues');
    const setValues = Object.assign({}, ...patches.map((p) => p.value)) as Record<string, string>;
    const manifests = renderChart(
      join(REPO_ROOT, release?.chartPath ?? ''),
      {},
      {
        release: release?.name ?? '',
        namespace: release?.namespace ?? '',
        set: { ...substituted(), ...setValues },
      },
    );
    for (const artifact of config.build.artifacts) {
      const deployment = only<IDeployment>(manifests, 'Deployment', `${release?.name}-${valuesKey(artifact)}`);
      expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(`registry.test/${artifact.image}:dev-1@sha256:${'0'.repeat(64)}`);
    }
    if (profile === 'dev') expect(only<IDeployment>(manifests, 'Deployment', 'spillway-order-create').spec?.replicas).toBe(1);
  },
);

test('the dev profile builds each function from the function-dev target and syncs its TypeScript instead of rebuilding', () => {
  const patches = config.profiles.find((p) => p.name === 'dev')?.patches ?? [];
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile.template'), 'utf8');
  expect(stageNames).toContain('function-dev');
  expect(dockerfile).toMatch(/exec node --watch node_modules\/\.bin\/spillway-function/);
  const functionIndexes = config.build.artifacts.flatMap((a, i) => (a.docker.buildArgs?.['FUNCTION'] !== undefined ? [i] : []));
  for (const i of functionIndexes) {
    expect(patches).toContainEqual({ op: 'add', path: `/build/artifacts/${i}/docker/target`, value: 'function-dev' });
    const sync = patches.find((p) => p.path === `/build/artifacts/${i}/sync`)?.value as unknown as {
      manual: { src: string; dest: string }[];
    };
    expect(sync.manual).toEqual([
      { src: 'functions/**/*.ts', dest: '/app' },
      { src: 'platform/runtime/**/*.ts', dest: '/app' },
    ]);
  }
  // A synced file must be writable in the pod.
  const setValues = Object.assign({}, ...patches.filter((p) => p.path.startsWith('/deploy/')).map((p) => p.value)) as Record<
    string,
    string
  >;
  for (const i of functionIndexes) {
    const fn = config.build.artifacts[i]?.docker.buildArgs?.['FUNCTION'];
    expect(setValues[`${fn}.securityContext.readOnlyRootFilesystem`]).toBe('false');
  }
});

test('forwards ports to Services the chart renders', () => {
  const services = inventory(renderChart(join(REPO_ROOT, release?.chartPath ?? ''), {}, { release: release?.name ?? '' })).filter((o) =>
    o.startsWith('Service/'),
  );
  for (const forward of config.portForward) {
    expect(forward.resourceType).toBe('service');
    expect(services).toContain(`Service/${forward.resourceName}`);
  }
});
