import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IIoK8sApiCoreV1Container } from 'kubernetes-models/v1/Container';
import type { IIoK8sApiCoreV1EnvVar } from 'kubernetes-models/v1/EnvVar';
import { FUNCTION_CHART, lintChart, removeScratchDir, renderChart, renderChartError, type Values } from '../test-kit/helm';
import { inventory, type Manifest, only, validateManifest } from '../test-kit/manifests';

afterAll(removeScratchDir);

const ESDB = 'esdb://eventstoredb:2113?tls=false';
const BASE: Values = { function: 'stock-reservation', eventStore: { connectionString: ESDB }, auth: 'none' };
const SUBSCRIPTION = '$all::stock-reservation';
const PROMETHEUS_PEER = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
};

function render(values: Values = {}, release = 'shop'): Manifest[] {
  return renderChart(FUNCTION_CHART, { ...BASE, ...values }, { release });
}

function deployment(manifests: readonly Manifest[]): IDeployment {
  return only<IDeployment>(manifests, 'Deployment');
}

function container(manifests: readonly Manifest[]): IIoK8sApiCoreV1Container {
  const containers = deployment(manifests).spec?.template.spec?.containers ?? [];
  expect(containers).toHaveLength(1);
  return containers[0]!;
}

function env(manifests: readonly Manifest[]): Record<string, IIoK8sApiCoreV1EnvVar> {
  return Object.fromEntries((container(manifests).env ?? []).map((e) => [e.name, e]));
}

const autoscaled = (autoscaling: Values = {}): Values => ({ autoscaling: { enabled: true, subscription: SUBSCRIPTION, ...autoscaling } });

describe('helm lint --strict', () => {
  test.each([
    { name: 'default values', values: {} },
    { name: 'autoscaled by the Spillway autoscaler', values: { ...BASE, ...autoscaled() } },
    { name: 'autoscaled by KEDA', values: { ...BASE, ...autoscaled({ engine: 'keda' }) } },
  ])('passes with $name', ({ values }) => {
    const result = lintChart(FUNCTION_CHART, values);
    expect(result.stderr + result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  test('fails on a value the schema rejects, naming the field', () => {
    const result = lintChart(FUNCTION_CHART, { ...BASE, ...autoscaled({ policy: 'fastest' }) });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('autoscaling.policy');
  });
});

describe('rendering with each feature toggled', () => {
  const common = [
    'Deployment/shop-stock-reservation',
    'NetworkPolicy/shop-stock-reservation',
    'PodDisruptionBudget/shop-stock-reservation',
    'Service/shop-stock-reservation',
    'ServiceAccount/shop-stock-reservation',
  ];
  test.each([
    { name: 'fixed replicas (autoscaling off)', values: {}, objects: common },
    { name: 'autoscaled by the Spillway autoscaler', values: autoscaled(), objects: common },
    {
      name: 'autoscaled by KEDA through metrics-api',
      values: autoscaled({ engine: 'keda' }),
      objects: [...common, 'ScaledObject/shop-stock-reservation'].sort(),
    },
    {
      name: 'autoscaled by KEDA through the external scaler',
      values: { ...autoscaled({ engine: 'keda', fallbackReplicas: 2 }), keda: { trigger: 'external' } },
      objects: [...common, 'ScaledObject/shop-stock-reservation'].sort(),
    },
    {
      name: 'ingress on',
      values: { ingress: { enabled: true, className: 'nginx', hosts: [{ host: 'shop.example.com', paths: [{ path: '/inventory' }] }] } },
      objects: [...common, 'Ingress/shop-stock-reservation'].sort(),
    },
    {
      name: 'no PDB, no NetworkPolicy, an existing service account',
      values: {
        podDisruptionBudget: { enabled: false },
        networkPolicy: { enabled: false },
        serviceAccount: { create: false, name: 'shared' },
      },
      objects: ['Deployment/shop-stock-reservation', 'Service/shop-stock-reservation'],
    },
    { name: 'egress restricted', values: { networkPolicy: { enabled: true, egress: { restrict: true, ports: [2113] } } }, objects: common },
    {
      name: 'every secret from Secrets',
      values: {
        eventStore: { secretRef: { name: 'esdb', key: 'uri' } },
        database: { secretRef: { name: 'pg', key: 'url' } },
        auth: 'bearer',
        apiTokens: { secretRef: { name: 'tokens', key: 'tokens' } },
      },
      objects: common,
    },
    {
      name: 'image pinned by digest',
      values: { image: { repository: 'registry.example.com/shop/stock', tag: '1.2.3', digest: `sha256:${'a'.repeat(64)}` } },
      objects: common,
    },
  ])('$name renders valid objects', ({ values, objects }) => {
    const manifests = render(values);
    expect(inventory(manifests)).toEqual(objects);
    for (const manifest of manifests) validateManifest(manifest);
  });
});

describe('scaling annotations', () => {
  test('carry every declared setting as the strings the autoscaler parses', () => {
    const manifests = render(
      autoscaled({
        streamPrefixes: ['order-'],
        eventTypePrefixes: ['Order'],
        minReplicas: 1,
        maxReplicas: 12,
        lagPerReplica: 250,
        activationLag: 5,
        policy: 'drain-time',
        targetDrainSeconds: 45,
        scaleDownStabilizationSeconds: 120,
        cooldownSeconds: 600,
        fallbackReplicas: 3,
      }),
    );
    expect(deployment(manifests).metadata?.annotations).toEqual({
      'spillway.dev/subscription': '$all::stock-reservation',
      'spillway.dev/stream-prefixes': 'order-',
      'spillway.dev/event-type-prefixes': 'Order',
      'spillway.dev/min-replicas': '1',
      'spillway.dev/max-replicas': '12',
      'spillway.dev/lag-per-replica': '250',
      'spillway.dev/activation-lag': '5',
      'spillway.dev/policy': 'drain-time',
      'spillway.dev/target-drain-seconds': '45',
      'spillway.dev/scale-down-stabilization-seconds': '120',
      'spillway.dev/cooldown-seconds': '600',
      'spillway.dev/fallback-replicas': '3',
    });
  });

  test('leave the optional ones out, so the autoscaler applies its per-policy defaults', () => {
    const annotations = deployment(render(autoscaled({ subscription: 'orders::projector' }))).metadata?.annotations ?? {};
    expect(annotations['spillway.dev/subscription']).toBe('orders::projector');
    for (const key of ['scale-down-stabilization-seconds', 'fallback-replicas', 'stream-prefixes', 'event-type-prefixes']) {
      expect(annotations).not.toHaveProperty([`spillway.dev/${key}`]);
    }
  });

  test('print large counts as integers, not in exponent form', () => {
    const annotations = deployment(render(autoscaled({ lagPerReplica: 1_000_000, maxReplicas: 1_000_000 }))).metadata?.annotations ?? {};
    expect(annotations['spillway.dev/lag-per-replica']).toBe('1000000');
  });

  test('are absent when autoscaling is off', () => {
    expect(deployment(render()).metadata?.annotations).toBeUndefined();
  });

  test('mark a KEDA-scaled Deployment so that the Spillway autoscaler only measures it', () => {
    const annotations = deployment(render(autoscaled({ engine: 'keda' }))).metadata?.annotations ?? {};
    expect(annotations['spillway.dev/scaled-by']).toBe('keda');
    expect(deployment(render(autoscaled())).metadata?.annotations?.['spillway.dev/scaled-by']).toBeUndefined();
  });
});

describe('replicas', () => {
  test.each([
    { name: 'autoscaling off: the chart sets them', values: { replicas: 3 }, replicas: 3 },
    { name: 'Spillway autoscaler: left to it', values: { replicas: 3, ...autoscaled() }, replicas: undefined },
    { name: 'KEDA: left to its HPA', values: { replicas: 3, ...autoscaled({ engine: 'keda' }) }, replicas: undefined },
  ])('$name', ({ values, replicas }) => {
    const spec = deployment(render(values)).spec!;
    expect(spec.replicas).toBe(replicas);
    expect('replicas' in spec).toBe(replicas !== undefined);
  });
});

describe('the pod', () => {
  const manifests = render();

  test('probes /livez for start-up and liveness and /readyz for readiness, on the runtime port', () => {
    const c = container(manifests);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.startupProbe?.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  test('runs as non-root with a read-only root filesystem and no capabilities', () => {
    const pod = deployment(manifests).spec?.template.spec;
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container(manifests).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.enableServiceLinks).toBe(false);
    expect(container(manifests).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  test('has requests and limits', () => {
    const resources = container(manifests).resources;
    expect(Object.keys(resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(resources?.limits?.['memory']).toBeDefined();
  });

  test('is scraped by Prometheus on /metrics, unless turned off', () => {
    expect(deployment(manifests).spec?.template.metadata?.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8080',
      'prometheus.io/path': '/metrics',
    });
    expect(deployment(render({ metrics: { scrapeAnnotations: false } })).spec?.template.metadata?.annotations).toBeUndefined();
  });

  test('gets its namespace from the downward API, for the runtime to label its metrics', () => {
    expect(env(render())['POD_NAMESPACE']).toEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
  });

  test('gets PORT, LOG_LEVEL and DRAIN_TIMEOUT_MS from values', () => {
    const vars = env(render({ port: 9000, logLevel: 'debug', drain: { timeoutMs: 10_000, preStopSleepSeconds: 5, marginSeconds: 5 } }));
    expect([vars['PORT']?.value, vars['LOG_LEVEL']?.value, vars['DRAIN_TIMEOUT_MS']?.value]).toEqual(['9000', 'debug', '10000']);
  });

  test('is named after the function, and after the release alone when it already says so', () => {
    expect(deployment(render({}, 'stock-reservation')).metadata?.name).toBe('stock-reservation');
    expect(container(render()).name).toBe('stock-reservation');
    expect(container(render()).image).toBe('spillway-stock-reservation:0.1.0');
  });
});

describe('graceful shutdown', () => {
  test.each([
    { name: 'runtime default drain', drain: { timeoutMs: 25_000, preStopSleepSeconds: 5, marginSeconds: 5 }, grace: 35 },
    { name: 'drain not a whole second rounds up', drain: { timeoutMs: 25_001, preStopSleepSeconds: 5, marginSeconds: 5 }, grace: 36 },
    { name: 'long drain, no preStop sleep', drain: { timeoutMs: 120_000, preStopSleepSeconds: 0, marginSeconds: 10 }, grace: 130 },
  ])('$name: SIGKILL comes only after preStop sleep + drain + margin', ({ drain, grace }) => {
    const manifests = render({ drain });
    expect(deployment(manifests).spec?.template.spec?.terminationGracePeriodSeconds).toBe(grace);
    expect(env(manifests)['DRAIN_TIMEOUT_MS']?.value).toBe(String(drain.timeoutMs));
    const preStop = container(manifests).lifecycle?.preStop;
    expect(preStop).toEqual(
      drain.preStopSleepSeconds > 0 ? { exec: { command: ['sleep', String(drain.preStopSleepSeconds)] } } : undefined,
    );
  });
});

describe('connection settings', () => {
  const secret = (name: string, key: string) => ({ secretKeyRef: { name, key } });

  test.each([
    { name: 'plain connection string', values: {}, esdb: { name: 'ESDB_CONNECTION_STRING', value: ESDB } },
    {
      name: 'connection string from a Secret wins over the plain one',
      values: { eventStore: { connectionString: ESDB, secretRef: { name: 'esdb', key: 'uri' } } },
      esdb: { name: 'ESDB_CONNECTION_STRING', valueFrom: secret('esdb', 'uri') },
    },
    {
      name: 'the umbrella global when the function sets none, templated',
      values: {
        eventStore: { connectionString: '' },
        global: { spillway: { eventStore: { connectionString: 'esdb://{{ .Release.Name }}-es:2113?tls=false' } } },
      },
      esdb: { name: 'ESDB_CONNECTION_STRING', value: 'esdb://shop-es:2113?tls=false' },
    },
  ])('ESDB_CONNECTION_STRING: $name', ({ values, esdb }) => {
    expect(env(render(values))['ESDB_CONNECTION_STRING']).toEqual(esdb);
  });

  test('DATABASE_URL and API_TOKENS come from Secrets, with templated names', () => {
    const vars = env(
      render({
        database: { secretRef: { name: '{{ .Release.Name }}-postgresql', key: 'url' } },
        auth: 'bearer',
        apiTokens: { secretRef: { name: 'tokens', key: 'list' } },
      }),
    );
    expect(vars['DATABASE_URL']).toEqual({ name: 'DATABASE_URL', valueFrom: secret('shop-postgresql', 'url') });
    expect(vars['API_TOKENS']).toEqual({ name: 'API_TOKENS', valueFrom: secret('tokens', 'list') });
    expect(vars['AUTH']).toBeUndefined();
  });

  test('auth: none is passed on as AUTH=none, the explicit choice the runtime requires', () => {
    expect(env(render())['AUTH']).toEqual({ name: 'AUTH', value: 'none' });
  });

  test('rendering fails on bearer auth (the default) without a token Secret', () => {
    const { auth: _none, ...bearer } = BASE;
    expect(renderChartError(FUNCTION_CHART, bearer)).toContain(
      'apiTokens.secretRef.name is required: point it at a Secret holding API_TOKENS, or set auth: none',
    );
  });

  test('rendering fails on auth: none with a token Secret', () => {
    expect(renderChartError(FUNCTION_CHART, { ...BASE, apiTokens: { secretRef: { name: 'tokens', key: 'list' } } })).toContain(
      'auth: none contradicts apiTokens.secretRef.name',
    );
  });

  test('DATABASE_URL and API_TOKENS are not set when not configured', () => {
    const vars = env(render());
    expect(Object.keys(vars).sort()).toEqual(['AUTH', 'DRAIN_TIMEOUT_MS', 'ESDB_CONNECTION_STRING', 'LOG_LEVEL', 'POD_NAMESPACE', 'PORT']);
  });

  test('rendering fails, naming the setting, when there is no event store at all', () => {
    const error = renderChartError(FUNCTION_CHART, { function: 'order-create', auth: 'none' });
    expect(error).toContain('eventStore: set eventStore.connectionString or eventStore.secretRef.name (ESDB_CONNECTION_STRING)');
  });
});

describe('KEDA ScaledObject', () => {
  const scaling = { engine: 'keda', minReplicas: 0, maxReplicas: 8, lagPerReplica: 50, activationLag: 3, cooldownSeconds: 120 };

  test('metrics-api polls the autoscaler for this Deployment and maps every bound', () => {
    const manifests = render(autoscaled({ ...scaling, fallbackReplicas: 2, scaleDownStabilizationSeconds: 90 }));
    const so = only<IScaledObject>(manifests, 'ScaledObject');
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop-stock-reservation' });
    expect(so.spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 8, cooldownPeriod: 120, fallback: { replicas: 2 } });
    expect(so.spec.advanced?.horizontalPodAutoscalerConfig?.behavior?.scaleDown?.stabilizationWindowSeconds).toBe(90);
    expect(so.spec.triggers).toEqual([
      {
        type: 'metrics-api',
        metricType: 'AverageValue',
        metadata: {
          format: 'json',
          url: 'http://shop-autoscaler.shop.svc:9090/keda/lag?namespace=shop&deployment=shop-stock-reservation',
          valueLocation: 'lag',
          targetValue: '50',
          activationTargetValue: '3',
        },
      },
    ]);
  });

  test('the external scaler is addressed at the autoscaler gRPC port and told which Deployment', () => {
    const so = only<IScaledObject>(render({ ...autoscaled(scaling), keda: { trigger: 'external' } }), 'ScaledObject');
    expect(so.spec.triggers[0]?.type).toBe('external');
    expect(so.spec.triggers[0]?.metadata).toMatchObject({
      scalerAddress: 'shop-autoscaler.shop.svc:9091',
      namespace: 'shop',
      deployment: 'shop-stock-reservation',
      subscription: SUBSCRIPTION,
    });
  });
});

describe('network policy', () => {
  test('admits the namespace and extra peers to the HTTP port, and restricts egress only on request', () => {
    const open = only<INetworkPolicy>(
      render({ networkPolicy: { enabled: true, extraIngressFrom: [{ namespaceSelector: { matchLabels: { name: 'ingress' } } }] } }),
      'NetworkPolicy',
    );
    expect(open.spec?.policyTypes).toEqual(['Ingress']);
    expect(open.spec?.ingress?.[0]?.from).toEqual([
      { podSelector: {} },
      PROMETHEUS_PEER,
      { namespaceSelector: { matchLabels: { name: 'ingress' } } },
    ]);
    const closed = only<INetworkPolicy>(
      render({ networkPolicy: { enabled: true, egress: { restrict: true, ports: [2113, 5432] } } }),
      'NetworkPolicy',
    );
    expect(closed.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(closed.spec?.egress?.flatMap((rule) => rule.ports?.map((p) => p.port))).toEqual([53, 53, 2113, 5432]);
  });
});

describe('Prometheus and the ingress controller get through the network policy', () => {
  const from = (values: Values) => only<INetworkPolicy>(render(values), 'NetworkPolicy').spec?.ingress?.[0]?.from;
  const ingress = { enabled: true, hosts: [{ host: 'shop.example.com', paths: [{ path: '/', pathType: 'Prefix' }] }] };

  test('Prometheus (kube-prometheus-stack in monitoring) is admitted by default; the ingress controller only with an Ingress', () => {
    expect(from({})).toEqual([{ podSelector: {} }, PROMETHEUS_PEER]);
    expect(from({ ingress })).toEqual([
      { podSelector: {} },
      PROMETHEUS_PEER,
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: {} },
    ]);
  });

  test('both selectors are values', () => {
    const custom = from({
      ingress,
      networkPolicy: {
        prometheus: { namespaceSelector: { matchLabels: { team: 'observability' } }, podSelector: { matchLabels: { app: 'prom' } } },
        ingressController: { namespace: 'traefik', podSelector: { matchLabels: { app: 'traefik' } } },
      },
    });
    expect(custom?.slice(1)).toEqual([
      { namespaceSelector: { matchLabels: { team: 'observability' } }, podSelector: { matchLabels: { app: 'prom' } } },
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } },
        podSelector: { matchLabels: { app: 'traefik' } },
      },
    ]);
    expect(from({ networkPolicy: { prometheus: { enabled: false } } })).toEqual([{ podSelector: {} }]);
  });
});

describe('Prometheus Operator monitors', () => {
  test.each(['serviceMonitor', 'podMonitor'])(
    'metrics.%s scrapes /metrics on the http port, with labels, timings and relabelings',
    (key) => {
      const relabeling = { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node', action: 'replace' };
      const manifests = render({
        metrics: { [key]: { enabled: true, labels: { release: 'kube-prometheus-stack' }, interval: '15s', relabelings: [relabeling] } },
      });
      const kind = key === 'serviceMonitor' ? 'ServiceMonitor' : 'PodMonitor';
      const monitor = only<Manifest & { spec: Record<string, unknown> }>(manifests, kind);
      validateManifest(monitor);
      expect(monitor.metadata['labels']).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/name': 'stock-reservation' });
      expect(monitor.spec['selector']).toEqual({ matchLabels: deployment(manifests).spec?.selector.matchLabels });
      const endpoints = monitor.spec[kind === 'ServiceMonitor' ? 'endpoints' : 'podMetricsEndpoints'];
      expect(endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '10s', relabelings: [relabeling] }]);
    },
  );

  test('off by default', () => {
    expect(render().filter((m) => m.apiVersion.startsWith('monitoring.coreos.com'))).toEqual([]);
  });
});

describe('platform knobs', () => {
  test('global.imageRegistry prefixes the image; global and own imagePullSecrets both apply', () => {
    const manifests = render({
      global: { imageRegistry: 'registry.example.com/mirror/', imagePullSecrets: [{ name: 'mirror' }] },
      imagePullSecrets: [{ name: 'own' }],
    });
    expect(container(manifests).image).toBe('registry.example.com/mirror/spillway-stock-reservation:0.1.0');
    expect(deployment(manifests).spec?.template.spec?.imagePullSecrets).toEqual([{ name: 'mirror' }, { name: 'own' }]);
  });

  test('replicas spread across nodes by default without ever blocking scheduling; the selector is the function’s own pods', () => {
    const spec = deployment(render()).spec;
    expect(spec?.template.spec?.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: spec?.selector.matchLabels },
      },
    ]);
  });

  test('priority class, extra volumes and mounts, pod labels and annotations, service account annotations', () => {
    const manifests = render({
      priorityClassName: 'business-critical',
      extraVolumes: [{ name: 'ca', configMap: { name: 'corporate-ca' } }],
      extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ssl/corporate', readOnly: true }],
      podLabels: { team: 'shop' },
      podAnnotations: { 'example.com/owner': 'shop' },
      serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } },
    });
    const pod = deployment(manifests).spec?.template;
    expect(pod?.spec?.priorityClassName).toBe('business-critical');
    expect(pod?.spec?.volumes).toContainEqual({ name: 'ca', configMap: { name: 'corporate-ca' } });
    expect(container(manifests).volumeMounts).toContainEqual({ name: 'ca', mountPath: '/etc/ssl/corporate', readOnly: true });
    expect(pod?.metadata?.labels).toMatchObject({ team: 'shop' });
    expect(pod?.metadata?.annotations).toMatchObject({ 'example.com/owner': 'shop' });
    expect(only<Manifest>(manifests, 'ServiceAccount').metadata['annotations']).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x',
    });
    for (const m of manifests) validateManifest(m);
  });
});

describe('bad values are rejected with a message naming the field', () => {
  test.each([
    { name: 'unknown policy', values: autoscaled({ policy: 'fastest' }), message: 'autoscaling.policy' },
    // The Kubernetes types are closed: a misspelt field is an error, not silently dropped.
    { name: 'runAsNonroot in podSecurityContext', values: { podSecurityContext: { runAsNonroot: true } }, message: 'runAsNonroot' },
    { name: 'runAsNonroot in securityContext', values: { securityContext: { runAsNonroot: true } }, message: 'runAsNonroot' },
    { name: 'a toleration with a bad effect', values: { tolerations: [{ key: 'a', effect: 'NoScheduling' }] }, message: 'tolerations' },
    {
      name: 'a topology spread with a bad policy',
      values: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'x', whenUnsatisfiable: 'Maybe' }] },
      message: 'topologySpreadConstraints',
    },
    { name: 'an env var without a name', values: { extraEnv: [{ value: 'x' }] }, message: 'extraEnv' },
    {
      name: 'a relabeling with a typo',
      values: { metrics: { serviceMonitor: { relabelings: [{ sourcelabels: ['a'] }] } } },
      message: 'sourcelabels',
    },
    { name: 'unknown engine', values: autoscaled({ engine: 'hpa' }), message: 'autoscaling.engine' },
    { name: 'subscription without ::', values: autoscaled({ subscription: 'orders' }), message: 'autoscaling.subscription' },
    { name: 'subscription with an empty group', values: autoscaled({ subscription: 'orders::' }), message: 'autoscaling.subscription' },
    { name: 'autoscaling without a subscription', values: autoscaled({ subscription: '' }), message: 'autoscaling.subscription' },
    { name: 'zero lag per replica', values: autoscaled({ lagPerReplica: 0 }), message: 'autoscaling.lagPerReplica' },
    { name: 'negative min replicas', values: autoscaled({ minReplicas: -1 }), message: 'autoscaling.minReplicas' },
    { name: 'fractional max replicas', values: autoscaled({ maxReplicas: 2.5 }), message: 'autoscaling.maxReplicas' },
    {
      name: 'min above max',
      values: autoscaled({ minReplicas: 5, maxReplicas: 2 }),
      message: 'autoscaling.minReplicas (5) must not exceed autoscaling.maxReplicas (2)',
    },
    {
      name: 'fallback above max',
      values: autoscaled({ maxReplicas: 2, fallbackReplicas: 3 }),
      message: 'autoscaling.fallbackReplicas (3) must not exceed autoscaling.maxReplicas (2)',
    },
    {
      name: 'prefixes on a stream subscription',
      values: autoscaled({ subscription: 'orders::g', streamPrefixes: ['order-'] }),
      message: 'autoscaling.streamPrefixes',
    },
    { name: 'misspelt top-level key', values: { replicaz: 2 }, message: 'replicaz' },
    {
      name: 'not an esdb:// connection string',
      values: { eventStore: { connectionString: 'http://es:2113' } },
      message: 'eventStore.connectionString',
    },
    { name: 'not a postgres:// URL', values: { database: { url: 'mysql://db' } }, message: 'database.url' },
    {
      name: 'drain timeout as text',
      values: { drain: { timeoutMs: '25s', preStopSleepSeconds: 5, marginSeconds: 5 } },
      message: 'drain.timeoutMs',
    },
    { name: 'ingress on without hosts', values: { ingress: { enabled: true } }, message: 'ingress.hosts' },
    { name: 'malformed digest', values: { image: { digest: 'latest' } }, message: 'image.digest' },
    { name: 'unknown log level', values: { logLevel: 'verbose' }, message: 'logLevel' },
    { name: 'function name not a DNS label', values: { function: 'Order_Create' }, message: 'function' },
  ])('$name', ({ values, message }) => {
    expect(renderChartError(FUNCTION_CHART, { ...BASE, ...values })).toContain(message);
  });
});
