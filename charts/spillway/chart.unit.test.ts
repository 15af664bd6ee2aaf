import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IIoK8sApiCoreV1Container } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { parse } from 'yaml';
import {
  FUNCTION_CHART,
  lintChart,
  removeScratchDir,
  renderChart,
  renderChartError,
  scratchDir,
  UMBRELLA_CHART,
  type Values,
} from '../test-kit/helm';
import { inventory, type Manifest, only, validateManifest } from '../test-kit/manifests';

afterAll(removeScratchDir);

const FUNCTIONS = ['order-create', 'stock-reservation', 'order-projector'] as const;

function render(values: Values = {}): Manifest[] {
  return renderChart(UMBRELLA_CHART, values, { release: 'spillway', namespace: 'shop' });
}

function firstContainer(workload: IDeployment | IStatefulSet): IIoK8sApiCoreV1Container {
  const container = workload.spec?.template.spec?.containers[0];
  if (!container) throw new Error(`${workload.metadata?.name} has no container`);
  return container;
}

const functionObjects = (fn: string) =>
  ['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount'].map((kind) => `${kind}/spillway-${fn}`);
const autoscalerObjects = ['Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'].map(
  (kind) => `${kind}/spillway-autoscaler`,
);
const eventStoreObjects = ['Service/spillway-eventstoredb', 'ServiceAccount/spillway-eventstoredb', 'StatefulSet/spillway-eventstoredb'];
const postgresObjects = [
  'Secret/spillway-postgresql',
  'Service/spillway-postgresql',
  'ServiceAccount/spillway-postgresql',
  'StatefulSet/spillway-postgresql',
];
const testObjects = ['Pod/spillway-test-functions-ready'];
const production: Values = {
  global: { spillway: { eventStore: { connectionString: '', secretRef: { name: 'esdb', key: 'uri' } } } },
  eventstoredb: { enabled: false },
  postgresql: { enabled: false },
  'order-projector': { database: { secretRef: { name: 'read-model', key: 'url' } } },
};

test('helm lint --strict --with-subcharts passes with the default values', () => {
  const result = lintChart(UMBRELLA_CHART, {}, ['--with-subcharts']);
  expect(result.stdout).toContain('2 chart(s) linted, 0 chart(s) failed');
  expect(result.status).toBe(0);
});

describe('rendering with each part toggled', () => {
  test.each([
    {
      name: 'dev cluster defaults: everything on',
      values: {},
      objects: [...autoscalerObjects, ...FUNCTIONS.flatMap(functionObjects), ...eventStoreObjects, ...postgresObjects, ...testObjects],
    },
    {
      name: 'production: your own EventStoreDB and PostgreSQL',
      values: production,
      objects: [...autoscalerObjects, ...FUNCTIONS.flatMap(functionObjects), ...testObjects],
    },
    {
      name: 'KEDA scales stock-reservation, fed by the autoscaler',
      values: { 'stock-reservation': { autoscaling: { engine: 'keda' } } },
      objects: [
        ...autoscalerObjects,
        ...FUNCTIONS.flatMap(functionObjects),
        'ScaledObject/spillway-stock-reservation',
        ...eventStoreObjects,
        ...postgresObjects,
        ...testObjects,
      ],
    },
    {
      name: 'Grafana dashboards on',
      values: { grafana: { dashboards: { enabled: true } } },
      objects: [
        ...autoscalerObjects,
        ...FUNCTIONS.flatMap(functionObjects),
        'ConfigMap/spillway-grafana-dashboards',
        ...eventStoreObjects,
        ...postgresObjects,
        ...testObjects,
      ],
    },
    {
      name: 'no autoscaler',
      values: { autoscaler: { enabled: false } },
      objects: [...FUNCTIONS.flatMap(functionObjects), ...eventStoreObjects, ...postgresObjects, ...testObjects],
    },
    {
      name: 'order-create only',
      values: { 'stock-reservation': { enabled: false }, 'order-projector': { enabled: false }, postgresql: { enabled: false } },
      objects: [...autoscalerObjects, ...functionObjects('order-create'), ...eventStoreObjects, ...testObjects],
    },
    {
      name: 'no helm test Pod',
      values: { tests: { enabled: false } },
      objects: [...autoscalerObjects, ...FUNCTIONS.flatMap(functionObjects), ...eventStoreObjects, ...postgresObjects],
    },
  ])('$name', ({ values, objects }) => {
    const manifests = render(values);
    expect(inventory(manifests)).toEqual([...objects].sort());
    for (const manifest of manifests) validateManifest(manifest);
  });
});

describe('the autoscaler', () => {
  const manifests = render();
  const deployment = only<IDeployment>(manifests, 'Deployment', 'spillway-autoscaler');
  const container = firstContainer(deployment);

  test('may only read Deployments, get or patch their /scale, and create, get and update its own Lease', () => {
    expect(only<IRole>(manifests, 'Role').rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch'] },
      // Kubernetes cannot restrict create by name; get and update are on the one Lease.
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['spillway-autoscaler'], verbs: ['get', 'update'] },
    ]);
  });

  test('without leader election it has no Lease rights', () => {
    const single = render({ autoscaler: { replicas: 1, leaderElection: { enabled: false } } });
    expect(only<IRole>(single, 'Role').rules?.map((r) => r.apiGroups)).toEqual([['apps'], ['apps']]);
  });

  test('gets those rights through its own service account', () => {
    const binding = only<IRoleBinding>(manifests, 'RoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'spillway-autoscaler' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'spillway-autoscaler', namespace: 'shop' }]);
    expect(deployment.spec?.template.spec?.serviceAccountName).toBe('spillway-autoscaler');
    expect(deployment.spec?.template.spec?.automountServiceAccountToken).toBe(true);
  });

  test('runs two replicas that elect a leader on a Lease, rolled one at a time and kept through drains', () => {
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(only<IPodDisruptionBudget>(manifests, 'PodDisruptionBudget', 'spillway-autoscaler').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: deployment.spec?.selector.matchLabels },
    });
    const env = container.env ?? [];
    expect(env.find((e) => e.name === 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(env.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
  });

  test("the lease timings default to client-go's (15 s, 10 s, 2 s) and are values", () => {
    const defaults = container.args ?? [];
    expect(defaults.slice(defaults.indexOf('--leader-elect'))).toEqual([
      '--leader-elect',
      ...['--leader-elect-resource-name', 'spillway-autoscaler'],
      ...['--leader-elect-lease-duration', '15s'],
      ...['--leader-elect-renew-deadline', '10s'],
      ...['--leader-elect-retry-period', '2s'],
    ]);
    const tuned = render({
      autoscaler: { leaderElection: { leaseName: 'scaler-lock', leaseDuration: '30s', renewDeadline: '20s', retryPeriod: '4s' } },
    });
    const args = firstContainer(only<IDeployment>(tuned, 'Deployment', 'spillway-autoscaler')).args ?? [];
    expect(args.slice(args.indexOf('--leader-elect'))).toEqual([
      '--leader-elect',
      ...['--leader-elect-resource-name', 'scaler-lock'],
      ...['--leader-elect-lease-duration', '30s'],
      ...['--leader-elect-renew-deadline', '20s'],
      ...['--leader-elect-retry-period', '4s'],
    ]);
    expect(only<IRole>(tuned, 'Role').rules?.at(-1)?.resourceNames).toEqual(['scaler-lock']);
  });

  test('one replica without leader election: Recreate, so two never run at once, and no PDB to block drains', () => {
    const single = render({ autoscaler: { replicas: 1, leaderElection: { enabled: false } } });
    const d = only<IDeployment>(single, 'Deployment', 'spillway-autoscaler');
    expect(d.spec?.replicas).toBe(1);
    expect(d.spec?.strategy).toEqual({ type: 'Recreate' });
    expect(firstContainer(d).args).not.toContain('--leader-elect');
    expect(single.filter((m) => m.kind === 'PodDisruptionBudget' && m.metadata.name === 'spillway-autoscaler')).toEqual([]);
  });

  test('watches its own namespace and reaches the in-release EventStoreDB', () => {
    expect(container.args?.slice(0, 6)).toEqual(['--namespace', 'shop', '--interval', '2s', '--port', '9090']);
    expect(container.env?.find((e) => e.name === 'ESDB_CONNECTION_STRING')?.value).toBe('esdb://spillway-eventstoredb:2113?tls=false');
    const eventStore = only<IService>(manifests, 'Service', 'spillway-eventstoredb');
    expect(eventStore.spec?.ports?.map((p) => p.port)).toEqual([2113]);
  });

  test('serves metrics and KEDA metrics-api on one port and the external scaler on another, both through its Service', () => {
    const service = only<IService>(manifests, 'Service', 'spillway-autoscaler');
    expect(service.spec?.ports?.map((p) => [p.name, p.port, p.targetPort])).toEqual([
      ['http', 9090, 'http'],
      ['grpc-keda', 9091, 'grpc-keda'],
    ]);
    expect(container.ports?.map((p) => [p.name, p.containerPort])).toEqual([
      ['http', 9090],
      ['grpc-keda', 9091],
    ]);
    expect(service.spec?.selector).toEqual(deployment.spec?.selector.matchLabels);
  });

  test('is probed on /livez and /readyz of its http port', () => {
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  test('runs as non-root with a read-only root filesystem', () => {
    expect(deployment.spec?.template.spec?.securityContext?.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('passes --dry-run when asked', () => {
    const dry = firstContainer(only<IDeployment>(render({ autoscaler: { dryRun: true } }), 'Deployment', 'spillway-autoscaler'));
    expect(dry.args).toContain('--dry-run');
  });

  test.each([
    { name: 'by default, a read-only console', console: undefined, added: [], absent: ['--no-console', '--console-allow-replay'] },
    { name: 'console.allowReplay', console: { allowReplay: true }, added: ['--console-allow-replay'], absent: ['--no-console'] },
    { name: 'console.enabled false', console: { enabled: false }, added: ['--no-console'], absent: ['--console-allow-replay'] },
  ])('serves the console: $name', ({ console: values, added, absent }) => {
    const args = firstContainer(
      only<IDeployment>(render(values ? { autoscaler: { console: values } } : {}), 'Deployment', 'spillway-autoscaler'),
    ).args;
    expect(args).toEqual(expect.arrayContaining(added));
    for (const flag of absent) expect(args).not.toContain(flag);
  });

  test('console.allowReplay without the console fails to render', () => {
    expect(renderChartError(UMBRELLA_CHART, { autoscaler: { console: { enabled: false, allowReplay: true } } })).toContain(
      'autoscaler.console.allowReplay needs autoscaler.console.enabled',
    );
  });
});

describe('KEDA, for clusters that run it', () => {
  test.each([
    { trigger: 'metrics-api', endpoint: (so: IScaledObject) => new URL(so.spec.triggers[0]?.metadata['url'] ?? '').host, port: 'http' },
    { trigger: 'external', endpoint: (so: IScaledObject) => so.spec.triggers[0]?.metadata['scalerAddress'] ?? '', port: 'grpc-keda' },
  ])('$trigger reaches the autoscaler Service on its $port port', ({ trigger, endpoint, port }) => {
    const manifests = render({ 'stock-reservation': { autoscaling: { engine: 'keda' }, keda: { trigger } } });
    const service = only<IService>(manifests, 'Service', 'spillway-autoscaler');
    const servicePort = service.spec?.ports?.find((p) => p.name === port)?.port;
    expect(endpoint(only<IScaledObject>(manifests, 'ScaledObject'))).toBe(`spillway-autoscaler.shop.svc:${servicePort}`);
  });
});

describe("the shop's functions", () => {
  const manifests = render();
  const deployment = (fn: string) => only<IDeployment>(manifests, 'Deployment', `spillway-${fn}`);

  test.each([
    { fn: 'order-create', replicas: 2, subscription: undefined },
    { fn: 'stock-reservation', replicas: undefined, subscription: '$all::stock-reservation' },
    { fn: 'order-projector', replicas: undefined, subscription: '$all::order-projector' },
  ])('$fn: replicas $replicas, subscription $subscription', ({ fn, replicas, subscription }) => {
    const d = deployment(fn);
    expect(d.spec?.replicas).toBe(replicas);
    expect(d.metadata?.annotations?.['spillway.dev/subscription']).toBe(subscription);
    expect(firstContainer(d).image).toBe(`spillway-${fn}:0.1.0`);
    expect(firstContainer(d).env?.find((e) => e.name === 'ESDB_CONNECTION_STRING')?.value).toBe(
      'esdb://spillway-eventstoredb:2113?tls=false',
    );
  });

  test('functions that serve HTTP queries never scale to zero', () => {
    for (const fn of ['stock-reservation', 'order-projector']) {
      expect(Number(deployment(fn).metadata?.annotations?.['spillway.dev/min-replicas'])).toBeGreaterThanOrEqual(1);
    }
  });

  test('order-projector reads DATABASE_URL from the in-release PostgreSQL Secret, which points at its Service', () => {
    const databaseUrl = firstContainer(deployment('order-projector')).env?.find((e) => e.name === 'DATABASE_URL');
    expect(databaseUrl?.valueFrom?.secretKeyRef).toEqual({ name: 'spillway-postgresql', key: 'url' });
    const secret = only<ISecret>(manifests, 'Secret', 'spillway-postgresql');
    const password = secret.stringData?.['password'] ?? '';
    expect(secret.stringData?.['url']).toBe(`postgres://spillway:${password}@spillway-postgresql:5432/spillway`);
    expect(only<IService>(manifests, 'Service', 'spillway-postgresql').spec?.ports?.[0]?.port).toBe(5432);
  });

  test('in production, every function reads the event store from the given Secret', () => {
    const prod = render(production);
    for (const fn of FUNCTIONS) {
      const env = firstContainer(only<IDeployment>(prod, 'Deployment', `spillway-${fn}`)).env ?? [];
      expect(env.find((e) => e.name === 'ESDB_CONNECTION_STRING')?.valueFrom?.secretKeyRef).toEqual({ name: 'esdb', key: 'uri' });
    }
  });
});

describe('the dev databases', () => {
  const manifests = render();

  test('the PostgreSQL password is generated at install (no static one in values), kept with the Secret through an uninstall', () => {
    const secret = (m: readonly Manifest[]) => only<ISecret>(m, 'Secret', 'spillway-postgresql');
    const password = secret(manifests).stringData?.['password'] ?? '';
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    // `helm template` has no cluster to look the Secret up in, so each render generates anew; an upgrade finds it and keeps it.
    expect(secret(render()).stringData?.['password']).not.toBe(password);
    expect(secret(manifests).metadata?.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    const env = firstContainer(only<IStatefulSet>(manifests, 'StatefulSet', 'spillway-postgresql')).env ?? [];
    expect(env.find((e) => e.name === 'POSTGRES_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: 'spillway-postgresql',
      key: 'password',
    });
    const template = readFileSync(join(UMBRELLA_CHART, 'templates', 'postgresql-secret.yaml'), 'utf8');
    expect(template).toContain('lookup "v1" "Secret" .Release.Namespace $name');
  });

  test('or PostgreSQL takes its password from an existing Secret, which the projector reads too', () => {
    const own = render({
      postgresql: { auth: { existingSecret: 'pg-credentials' } },
      'order-projector': { database: { secretRef: { name: 'pg-credentials', key: 'url' } } },
    });
    expect(own.filter((m) => m.kind === 'Secret')).toEqual([]);
    const env = firstContainer(only<IStatefulSet>(own, 'StatefulSet', 'spillway-postgresql')).env ?? [];
    expect(env.find((e) => e.name === 'POSTGRES_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'pg-credentials', key: 'password' });
  });

  test.each([
    { component: 'eventstoredb', image: 'eventstore/eventstore:23.10.0-bookworm-slim', mount: '/var/lib/eventstore', uid: 1000 },
    { component: 'postgresql', image: 'postgres:16', mount: '/var/lib/postgresql/data', uid: 999 },
  ])('$component: one replica, as uid $uid, data on a claim mounted at $mount', ({ component, image, mount, uid }) => {
    const set = only<IStatefulSet>(manifests, 'StatefulSet', `spillway-${component}`);
    expect(set.spec?.replicas).toBe(1);
    expect(set.spec?.serviceName).toBe(`spillway-${component}`);
    expect(set.spec?.volumeClaimTemplates?.map((claim) => claim.metadata?.name)).toEqual(['data']);
    expect(set.spec?.template.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, fsGroup: uid });
    expect(firstContainer(set).image).toBe(image);
    expect(firstContainer(set).volumeMounts).toContainEqual({ name: 'data', mountPath: mount });
  });

  test('EventStoreDB runs as an insecure single node, which the default connection string expects', () => {
    const env = firstContainer(only<IStatefulSet>(manifests, 'StatefulSet', 'spillway-eventstoredb')).env ?? [];
    const vars = Object.fromEntries(env.map((e) => [e.name, e.value]));
    expect(vars).toMatchObject({ EVENTSTORE_INSECURE: 'true', EVENTSTORE_CLUSTER_SIZE: '1' });
  });
});

describe('the vendored spillway-function package', () => {
  // Helm's .helmignore patterns for the function chart: its tests are not packaged.
  const packaged = (file: string) => !file.endsWith('.ts') && !file.startsWith('ci/');

  function files(root: string, dir = root): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(root, path) : [relative(root, path)];
    });
  }

  test('is the same as charts/spillway-function (run `helm dependency update charts/spillway` when it is not)', () => {
    const out = mkdtempSync(join(scratchDir(), 'vendored-'));
    const tar = spawnSync('tar', ['-xzf', join(UMBRELLA_CHART, 'charts', 'spillway-function-0.1.0.tgz'), '-C', out], { encoding: 'utf8' });
    expect(tar.stderr).toBe('');
    const unpacked = join(out, 'spillway-function');
    const source = files(FUNCTION_CHART).filter(packaged).sort();
    expect(files(unpacked).sort()).toEqual(source);
    // helm package rewrites Chart.yaml, so that one is compared as data; the rest byte for byte.
    const content = (root: string, file: string) => {
      const text = readFileSync(join(root, file), 'utf8');
      return file === 'Chart.yaml' ? parse(text) : text;
    };
    for (const file of source) {
      expect({ file, content: content(unpacked, file) }).toEqual({ file, content: content(FUNCTION_CHART, file) });
    }
  });

  test('is the only file under charts/, and Chart.lock pins what Chart.yaml asks for', () => {
    expect(readdirSync(join(UMBRELLA_CHART, 'charts'))).toEqual(['spillway-function-0.1.0.tgz']);
    type Dependency = { name: string; version: string; repository: string };
    const chart = parse(readFileSync(join(UMBRELLA_CHART, 'Chart.yaml'), 'utf8')) as { dependencies: Dependency[] };
    const lock = parse(readFileSync(join(UMBRELLA_CHART, 'Chart.lock'), 'utf8')) as { dependencies: Dependency[] };
    const pin = ({ name, version, repository }: Dependency) => ({ name, version, repository });
    expect(lock.dependencies.map(pin)).toEqual(chart.dependencies.map(pin));
    const functionChart = parse(readFileSync(join(FUNCTION_CHART, 'Chart.yaml'), 'utf8')) as { version: string };
    expect(new Set(chart.dependencies.map((d) => d.version))).toEqual(new Set([functionChart.version]));
  });
});

describe('bad values are rejected with a message naming the field', () => {
  test.each([
    { name: 'autoscaler interval without a unit', values: { autoscaler: { interval: '2' } }, message: 'autoscaler.interval' },
    { name: 'misspelt tests key', values: { tests: { enabeld: true } }, message: 'enabeld' },
    {
      name: 'a static PostgreSQL password (generated or from a Secret only)',
      values: { postgresql: { auth: { password: 'spillway-dev' } } },
      message: 'postgresql.auth',
    },
    { name: 'misspelt top-level key', values: { autoscaller: {} }, message: 'autoscaller' },
    {
      name: 'two autoscalers without leader election',
      values: { autoscaler: { leaderElection: { enabled: false } } },
      message: 'autoscaler.replicas > 1 needs autoscaler.leaderElection.enabled',
    },
    {
      name: 'a lease duration without a unit',
      values: { autoscaler: { leaderElection: { leaseDuration: '15' } } },
      message: 'leaseDuration',
    },
    {
      name: 'bad function value, reported under its alias',
      values: { 'stock-reservation': { autoscaling: { policy: 'x' } } },
      message: 'stock-reservation:\n- autoscaling.policy',
    },
    {
      name: 'no event store at all',
      values: { ...production, global: { spillway: { eventStore: { connectionString: '' } } } },
      message: 'global.spillway.eventStore',
    },
  ])('$name', ({ values, message }) => {
    expect(renderChartError(UMBRELLA_CHART, values)).toContain(message);
  });
});

describe('a disabled dev database without a replacement fails the install with one message', () => {
  test.each([
    {
      name: 'EventStoreDB off, the connection string still the in-release one',
      values: { eventstoredb: { enabled: false } },
      message:
        'eventstoredb.enabled=false needs your EventStoreDB: set global.spillway.eventStore.secretRef.name (a Secret with the connection string) or global.spillway.eventStore.connectionString',
    },
    {
      name: 'PostgreSQL off, the projector still reading the in-release Secret',
      values: { postgresql: { enabled: false } },
      message: 'postgresql.enabled=false needs your PostgreSQL: set order-projector.database.secretRef.name',
    },
    {
      name: 'PostgreSQL off, the projector reading no database at all',
      values: { postgresql: { enabled: false }, 'order-projector': { database: { secretRef: { name: '' } } } },
      message: 'postgresql.enabled=false needs your PostgreSQL',
    },
    {
      name: 'an existing PostgreSQL Secret the projector does not read',
      values: { postgresql: { auth: { existingSecret: 'pg-credentials' } } },
      message: 'set order-projector.database.secretRef.name to pg-credentials as well',
    },
  ])('$name', ({ values, message }) => {
    const error = renderChartError(UMBRELLA_CHART, values);
    expect(error).toContain(message);
    expect(error.match(/execution error/g)).toHaveLength(1);
  });

  test.each([
    {
      name: 'your EventStoreDB by connection string',
      values: { eventstoredb: { enabled: false }, global: { spillway: { eventStore: { connectionString: 'esdb://esdb.prod:2113' } } } },
    },
    { name: 'no projector, so no PostgreSQL needed', values: { postgresql: { enabled: false }, 'order-projector': { enabled: false } } },
  ])('renders: $name', ({ values }) => {
    expect(render(values).length).toBeGreaterThan(0);
  });
});

describe('Prometheus Operator objects', () => {
  const relabeling = { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node', action: 'replace' };
  const manifests = render({
    metrics: {
      serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' }, interval: '15s', relabelings: [relabeling] },
      podMonitor: { enabled: true, scrapeTimeout: '5s' },
      prometheusRule: { enabled: true, runbookUrl: 'https://docs.example.com/spillway/README.md', alertLabels: { team: 'shop' } },
    },
  });
  type Monitor = Manifest & { spec: { selector: { matchLabels: Record<string, string> }; [key: string]: unknown } };

  test.each([
    { kind: 'ServiceMonitor', timings: { interval: '15s', scrapeTimeout: '10s', relabelings: [relabeling] } },
    { kind: 'PodMonitor', timings: { interval: '30s', scrapeTimeout: '5s' } },
  ])('a $kind for the autoscaler and each function, selecting what it should, with the timings given, valid', ({ kind, timings }) => {
    const monitors = manifests.filter((m): m is Monitor => m.kind === kind);
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual(['spillway-autoscaler', ...FUNCTIONS.map((fn) => `spillway-${fn}`)].sort());
    for (const monitor of monitors) {
      validateManifest(monitor);
      const target =
        kind === 'ServiceMonitor'
          ? only<IService>(manifests, 'Service', monitor.metadata.name).metadata?.labels
          : only<IDeployment>(manifests, 'Deployment', monitor.metadata.name).spec?.template.metadata?.labels;
      expect(target).toMatchObject(monitor.spec.selector.matchLabels);
      const endpoint = (monitor.spec[kind === 'ServiceMonitor' ? 'endpoints' : 'podMetricsEndpoints'] as Record<string, unknown>[])[0];
      expect(endpoint).toMatchObject({ port: 'http', path: '/metrics', honorLabels: true, ...timings });
    }
    if (kind === 'ServiceMonitor')
      expect(monitors.every((m) => (m.metadata['labels'] as Record<string, string>)['release'] === 'kube-prometheus-stack')).toBe(true);
  });

  test('a PrometheusRule with every alert, each with summary, description, severity and a runbook section in the README', () => {
    const rule = only<Manifest & { spec: { groups: { rules: Record<string, unknown>[] }[] } }>(manifests, 'PrometheusRule');
    validateManifest(rule);
    const rules = rule.spec.groups.flatMap((g) => g.rules) as {
      alert: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
    }[];
    expect(rules.map((r) => r.alert)).toEqual([
      'SpillwayLagGrowingAtMaxReplicas',
      'SpillwayDrainTimeAboveTarget',
      'SpillwayParkedEvents',
      'SpillwaySubscriptionNotLive',
      'SpillwayHandlerErrorRatio',
      'SpillwayLagMeasurementFailing',
      'SpillwayAutoscalerFallbackActive',
      'SpillwayAutoscalerDown',
    ]);
    const readme = readFileSync(join(UMBRELLA_CHART, 'README.md'), 'utf8');
    for (const r of rules) {
      expect(r.annotations['summary']).toBeTruthy();
      expect(r.annotations['description']).toBeTruthy();
      expect(r.labels).toMatchObject({ severity: expect.stringMatching(/^(critical|warning)$/), team: 'shop' });
      const anchor = r.annotations['runbook_url']?.split('#')[1] ?? '';
      expect(anchor).toBe(r.alert.toLowerCase());
      expect(readme).toContain(`### ${r.alert}`);
    }
  });

  test('thresholds are values', () => {
    const tuned = render({
      metrics: {
        prometheusRule: {
          enabled: true,
          drainTimeAboveTarget: { seconds: 120 },
          handlerErrorRatio: { ratio: 0.2 },
          parkedEvents: { threshold: 10, for: '1m' },
        },
      },
    });
    const rules =
      only<Manifest & { spec: { groups: { rules: { alert: string; expr: string; for: string }[] }[] } }>(tuned, 'PrometheusRule').spec
        .groups[0]?.rules ?? [];
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));
    expect(byName['SpillwayDrainTimeAboveTarget']?.expr).toMatch(/> 120\s*$/);
    expect(byName['SpillwayHandlerErrorRatio']?.expr).toMatch(/> 0.2\s*$/);
    expect(byName['SpillwayParkedEvents']).toMatchObject({ for: '1m', expr: expect.stringMatching(/> 10\s*$/) });
  });

  test('without the autoscaler, only the functions’ alerts remain', () => {
    const rules = only<Manifest & { spec: { groups: { rules: { alert: string }[] }[] } }>(
      render({ autoscaler: { enabled: false }, metrics: { prometheusRule: { enabled: true } } }),
      'PrometheusRule',
    ).spec.groups[0]?.rules;
    expect(rules?.map((r) => r.alert)).toEqual(['SpillwaySubscriptionNotLive', 'SpillwayHandlerErrorRatio']);
  });
});

describe('platform knobs on every workload', () => {
  const WORKLOADS = [
    ...FUNCTIONS.map((fn) => ({ key: fn, kind: 'Deployment', name: `spillway-${fn}` })),
    { key: 'autoscaler', kind: 'Deployment', name: 'spillway-autoscaler' },
    { key: 'eventstoredb', kind: 'StatefulSet', name: 'spillway-eventstoredb' },
    { key: 'postgresql', kind: 'StatefulSet', name: 'spillway-postgresql' },
  ];
  const knobs = {
    imagePullSecrets: [{ name: 'own' }],
    podAnnotations: { 'example.com/owner': 'platform' },
    podLabels: { team: 'platform' },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'spillway', effect: 'NoSchedule' }],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
        },
      },
    },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }],
    priorityClassName: 'platform-critical',
    podSecurityContext: { runAsNonRoot: true, runAsUser: 4242, seccompProfile: { type: 'RuntimeDefault' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    extraEnv: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }],
    extraVolumes: [{ name: 'ca', configMap: { name: 'corporate-ca' } }],
    extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ssl/corporate', readOnly: true }],
  };
  const identity = (key: string) => ({ 'iam.gke.io/gcp-service-account': `${key}@p.iam.gserviceaccount.com` });
  const manifests = render({
    global: { imageRegistry: 'registry.example.com', imagePullSecrets: [{ name: 'mirror' }] },
    ...Object.fromEntries(WORKLOADS.map(({ key }) => [key, { ...knobs, serviceAccount: { annotations: identity(key) } }])),
  });

  test.each(WORKLOADS)('$key takes every knob', ({ key, kind, name }) => {
    const workload = only<IDeployment | IStatefulSet>(manifests, kind, name);
    validateManifest(workload as Manifest);
    const account = workload.spec?.template.spec?.serviceAccountName ?? '';
    expect(only<Manifest>(manifests, 'ServiceAccount', account).metadata['annotations']).toEqual(identity(key));
    const pod = workload.spec?.template;
    expect(pod?.metadata?.labels).toMatchObject(knobs.podLabels);
    expect(pod?.metadata?.annotations).toMatchObject(knobs.podAnnotations);
    expect(pod?.spec).toMatchObject({
      imagePullSecrets: [{ name: 'mirror' }, { name: 'own' }],
      nodeSelector: knobs.nodeSelector,
      tolerations: knobs.tolerations,
      affinity: knobs.affinity,
      priorityClassName: 'platform-critical',
      securityContext: knobs.podSecurityContext,
    });
    expect(pod?.spec?.topologySpreadConstraints).toEqual([
      { ...knobs.topologySpreadConstraints[0], labelSelector: { matchLabels: workload.spec?.selector.matchLabels } },
    ]);
    const c = firstContainer(workload);
    expect(c.image?.startsWith('registry.example.com/')).toBe(true);
    // Helm merges a map over the default: these keys win, a key set to null is dropped.
    expect(c.securityContext).toMatchObject(knobs.securityContext);
    expect(c.env).toContainEqual(knobs.extraEnv[0]);
    expect(c.volumeMounts).toContainEqual(knobs.extraVolumeMounts[0]);
    expect(pod?.spec?.volumes).toContainEqual(knobs.extraVolumes[0]);
  });

  test('global.imageRegistry reaches every image: functions, the autoscaler, the dev databases and the test Pod', () => {
    const images = manifests.flatMap((m) => {
      const spec = (m as { spec?: { template?: { spec?: { containers?: { image?: string }[] } }; containers?: { image?: string }[] } })
        .spec;
      return [...(spec?.template?.spec?.containers ?? []), ...(spec?.containers ?? [])].map((c) => c.image ?? '');
    });
    expect(images.length).toBeGreaterThanOrEqual(7);
    expect(images.filter((image) => !image.startsWith('registry.example.com/'))).toEqual([]);
  });

  test('the autoscaler spreads its two replicas across nodes by default', () => {
    const d = only<IDeployment>(render(), 'Deployment', 'spillway-autoscaler');
    expect(d.spec?.template.spec?.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: d.spec?.selector.matchLabels },
      },
    ]);
  });

  test('extraObjects: maps and templated strings become objects of the release', () => {
    const extra = render({
      extraObjects: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra-map' }, data: { release: '{{ .Release.Name }}' } },
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra-string\n',
      ],
    });
    expect(only<Manifest & { data: Record<string, string> }>(extra, 'ConfigMap', 'extra-map').data).toEqual({ release: 'spillway' });
    expect(only<Manifest>(extra, 'ConfigMap', 'spillway-extra-string').kind).toBe('ConfigMap');
  });

  test.each([
    ...WORKLOADS.flatMap(({ key }) =>
      ['podSecurityContext', 'securityContext'].map((context) => ({
        name: `runAsNonroot (a typo) in ${key}.${context}`,
        values: { [key]: { [context]: { runAsNonroot: true } } },
        message: 'runAsNonroot',
      })),
    ),
    {
      name: 'a string where tolerations are a list',
      values: { eventstoredb: { tolerations: 'all' } },
      message: 'eventstoredb.tolerations',
    },
    { name: 'an unknown field in an affinity', values: { autoscaler: { affinity: { nodeAfinity: {} } } }, message: 'nodeAfinity' },
  ])('rejects $name', ({ values, message }) => {
    expect(renderChartError(UMBRELLA_CHART, values)).toContain(message);
  });
});

describe('the production values file of the README', () => {
  const file = join(UMBRELLA_CHART, 'ci', 'production-values.yaml');
  const values = parse(readFileSync(file, 'utf8')) as Values;
  const manifests = render(values);

  test('renders objects that all validate, with no dev database', () => {
    for (const m of manifests) validateManifest(m);
    expect(manifests.filter((m) => m.kind === 'StatefulSet' || m.kind === 'Secret')).toEqual([]);
    expect(inventory(manifests)).toEqual(
      expect.arrayContaining([
        'PrometheusRule/spillway-alerts',
        'ServiceMonitor/spillway-autoscaler',
        'ScaledObject/spillway-stock-reservation',
        'Ingress/spillway-order-create',
        'ConfigMap/spillway-grafana-dashboards',
      ]),
    );
  });

  test('every workload reads its connections from the named Secrets and pulls from the registry', () => {
    for (const d of manifests.filter((m) => m.kind === 'Deployment') as IDeployment[]) {
      const c = firstContainer(d);
      expect(c.image?.startsWith('registry.example.com/spillway/')).toBe(true);
      expect(c.env?.find((e) => e.name === 'ESDB_CONNECTION_STRING')?.valueFrom?.secretKeyRef).toEqual({
        name: 'spillway-eventstoredb',
        key: 'connectionString',
      });
    }
    const projector = firstContainer(only<IDeployment>(manifests, 'Deployment', 'spillway-order-projector'));
    expect(projector.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'spillway-read-model',
      key: 'url',
    });
  });

  // Not --with-subcharts: helm lint hands that flag's subcharts the umbrella's values file as their own.
  test('passes helm lint --strict (the subcharts rendered with their part of the values)', () => {
    const result = lintChart(UMBRELLA_CHART, values);
    expect(result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  test('is shown in the README as it is', () => {
    expect(readFileSync(join(UMBRELLA_CHART, 'README.md'), 'utf8')).toContain(readFileSync(file, 'utf8'));
  });
});

describe('helm test', () => {
  const manifests = render();
  const pod = only<IPod>(manifests, 'Pod', 'spillway-test-functions-ready');

  test('is a test hook Pod that checks /readyz of every function through its rendered Service', () => {
    expect(pod.metadata?.annotations?.['helm.sh/hook']).toBe('test');
    expect(pod.spec?.restartPolicy).toBe('Never');
    const container = pod.spec?.containers[0];
    expect(container?.command).toEqual(['node', '-e']);
    const urls = (container?.args ?? []).slice(1);
    const services = FUNCTIONS.map((fn) => only<IService>(manifests, 'Service', `spillway-${fn}`));
    expect(urls).toEqual(services.map((svc) => `http://${svc.metadata?.name}.shop.svc:${svc.spec?.ports?.[0]?.port}/readyz`));
    expect(container?.image).toBe('spillway-autoscaler:0.1.0');
    expect(container?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });

  test('its script exits 0 only when every URL answers 200 (run here against real servers)', async () => {
    const script = pod.spec?.containers[0]?.args?.[0] ?? '';
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/ok/readyz' ? 200 : 503);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const run = (urls: string[]) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, ['-e', script, ...urls], { stdio: 'ignore' });
        child.on('exit', (code) => resolve(code ?? -1));
      });
    try {
      expect(await run([`${base}/ok/readyz`, `${base}/ok/readyz`])).toBe(0);
      expect(await run([`${base}/ok/readyz`, `${base}/starting/readyz`])).toBe(1);
      expect(await run([`${base}/ok/readyz`, 'http://127.0.0.1:1/readyz'])).toBe(1);
    } finally {
      server.close();
    }
  });

  test('skips a function that may scale to zero: it may rightly have no ready pod', () => {
    const zero = render({ 'stock-reservation': { autoscaling: { minReplicas: 0 } } });
    const urls = only<IPod>(zero, 'Pod').spec?.containers[0]?.args ?? [];
    expect(urls.some((u) => u.includes('stock-reservation'))).toBe(false);
    expect(urls.some((u) => u.includes('order-create'))).toBe(true);
  });
});
