import { AppsV1Api } from '@kubernetes/client-node';
import { ANNOTATIONS } from '../../annotations/annotations';
import { Scaler } from '../../loop/scaler';
import { AutoscalerMetrics } from '../../metrics/autoscaler-metrics';
import { captureLog, eventually } from '../../test-kit/capture-log';
import { ControlledLagSource } from '../../test-kit/controlled-lag-source';
import { FakeKubernetes } from '../../test-kit/fake-kubernetes';
import { DeploymentScaleTarget } from './deployment-scale-target';
import { kubeConfigForServer } from './kube-config';
import { KubernetesWorkloads } from './kubernetes-workloads';

const NS = 'shop';

describe('scaling Deployments through a Kubernetes API server (fake server, real client, real HTTP)', () => {
  let kube: FakeKubernetes;
  let scaler: Scaler;
  let workloads: KubernetesWorkloads;
  let sources: Map<string, ControlledLagSource>;
  let clock: number;
  let logs: ReturnType<typeof captureLog>;
  let metrics: AutoscalerMetrics;

  const source = (subscription: string) => eventually(() => sources.get(subscription), 5_000, `lag source ${subscription}`);
  const advance = (seconds: number) => {
    clock += seconds * 1000;
  };

  beforeEach(async () => {
    kube = await FakeKubernetes.start();
    sources = new Map();
    clock = 1_000_000;
    logs = captureLog('debug');
    metrics = new AutoscalerMetrics();
    scaler = new Scaler({
      lagSource: (spec) => {
        const name =
          spec.subscription.kind === 'all' ? `$all::${spec.subscription.group}` : `${spec.subscription.stream}::${spec.subscription.group}`;
        const s = new ControlledLagSource(name);
        sources.set(name, s);
        return s;
      },
      log: logs.log,
      metrics,
      now: () => clock,
    });
    workloads = new KubernetesWorkloads(kubeConfigForServer(kube.url), NS, scaler, logs.log);
  });

  afterEach(async () => {
    await workloads.stop();
    await scaler.stop();
    await kube.close();
  });

  const deploy = (name: string, replicas: number, annotations: Record<string, string>) =>
    kube.putDeployment({ namespace: NS, name, replicas, annotations });

  test('lag rises: /scale is patched to ceil(lag / lag-per-replica), with the resourceVersion it read', async () => {
    deploy('projector', 1, {
      [ANNOTATIONS.subscription]: 'orders::projector',
      [ANNOTATIONS.lagPerReplica]: '100',
      [ANNOTATIONS.maxReplicas]: '8',
    });
    await workloads.start();
    (await source('orders::projector')).set(450);
    const [outcome] = await scaler.tick();
    expect(outcome?.decision?.replicas).toBe(5);
    expect(kube.deployment(NS, 'projector')?.spec.replicas).toBe(5);
    const [write] = kube.scaleWrites(NS, 'projector');
    expect(write?.method).toBe('PATCH');
    expect(write?.contentType).toBe('application/merge-patch+json');
    expect(write?.body).toMatchObject({ metadata: { resourceVersion: expect.any(String) }, spec: { replicas: 5 } });
    const decisionLine = logs.lines().find((l) => l['to'] === 5);
    expect(decisionLine?.['msg']).toBe('lag 450 / 100 per replica = 5 -> 5 replicas');
    expect(await metrics.registry.metrics()).toMatch(
      /spillway_autoscaler_desired_replicas\{namespace="shop",workload="projector",subscription="orders::projector",group="projector",app="spillway-autoscaler"\} 5/,
    );
  });

  test('lag drains: scale down only after the stabilization window', async () => {
    deploy('projector', 1, {
      [ANNOTATIONS.subscription]: 'orders::projector',
      [ANNOTATIONS.lagPerReplica]: '100',
      [ANNOTATIONS.scaleDownStabilizationSeconds]: '60',
    });
    await workloads.start();
    const lag = await source('orders::projector');
    lag.set(600);
    await scaler.tick();
    expect(kube.deployment(NS, 'projector')?.spec.replicas).toBe(6);
    lag.set(100);
    for (const step of [10, 20, 20]) {
      advance(step);
      await scaler.tick();
      expect(kube.deployment(NS, 'projector')?.spec.replicas).toBe(6);
    }
    advance(15);
    await scaler.tick();
    expect(kube.deployment(NS, 'projector')?.spec.replicas).toBe(1);
    expect(kube.scaleWrites(NS, 'projector').map((w) => (w.body as { spec: { replicas: number } }).spec.replicas)).toEqual([6, 1]);
  });

  test('activation from zero, and back to zero after the cooldown', async () => {
    deploy('reserver', 0, {
      [ANNOTATIONS.subscription]: '$all::stock-reservation',
      [ANNOTATIONS.activationLag]: '10',
      [ANNOTATIONS.cooldownSeconds]: '30',
    });
    await workloads.start();
    const lag = await source('$all::stock-reservation');
    lag.set(10);
    await scaler.tick();
    expect(kube.scaleWrites(NS, 'reserver')).toHaveLength(0);
    lag.set(11);
    await scaler.tick();
    expect(kube.deployment(NS, 'reserver')?.spec.replicas).toBe(1);
    lag.set(0);
    advance(29);
    await scaler.tick();
    expect(kube.deployment(NS, 'reserver')?.spec.replicas).toBe(1);
    advance(1);
    await scaler.tick();
    expect(kube.deployment(NS, 'reserver')?.spec.replicas).toBe(0);
  });

  test('measurement outage: hold, then the fallback replica count after 3 failures, then back to the policy', async () => {
    deploy('projector', 2, {
      [ANNOTATIONS.subscription]: 'orders::projector',
      [ANNOTATIONS.fallbackReplicas]: '4',
      [ANNOTATIONS.minReplicas]: '1',
    });
    await workloads.start();
    const lag = await source('orders::projector');
    lag.fail(new Error('14 UNAVAILABLE: No connection established'));
    for (let i = 0; i < 2; i++) {
      await scaler.tick();
      expect(kube.deployment(NS, 'projector')?.spec.replicas).toBe(2);
    }
    await scaler.tick();
    expect(kube.deployment(NS, 'projector')?.spec.replicas).toBe(4);
    expect(await metrics.registry.metrics()).toMatch(/spillway_autoscaler_measurement_failures_total\{[^}]*workload="projector"[^}]*\} 3/);
    lag.set(900);
    await scaler.tick();
    expect(kube.deployment(NS, 'projector')?.spec.replicas).toBe(9);
  });

  test('an invalid annotation is logged with deployment and key, that deployment is left alone, the others keep scaling', async () => {
    deploy('broken', 3, { [ANNOTATIONS.subscription]: 'orders::broken', [ANNOTATIONS.maxReplicas]: 'many' });
    deploy('good', 1, { [ANNOTATIONS.subscription]: 'orders::good' });
    deploy('plain', 2, { 'example.com/owner': 'team' });
    await workloads.start();
    const good = await source('orders::good');
    good.set(300);
    await scaler.tick();
    expect(kube.deployment(NS, 'good')?.spec.replicas).toBe(3);
    expect(kube.deployment(NS, 'broken')?.spec.replicas).toBe(3);
    expect(kube.scaleWrites(NS, 'broken')).toHaveLength(0);
    expect(kube.scaleWrites(NS, 'plain')).toHaveLength(0);
    expect(sources.has('orders::broken')).toBe(false);
    const complaint = logs.lines().find((l) => l['deployment'] === 'broken');
    expect(complaint).toMatchObject({ level: 50, namespace: NS, deployment: 'broken', key: ANNOTATIONS.maxReplicas });

    // Fixing the annotation brings it under the autoscaler's control.
    deploy('broken', 3, { [ANNOTATIONS.subscription]: 'orders::broken', [ANNOTATIONS.maxReplicas]: '5' });
    (await source('orders::broken')).set(10_000);
    await scaler.tick();
    expect(kube.deployment(NS, 'broken')?.spec.replicas).toBe(5);
  });

  test('a 409 conflict on /scale is retried with the fresh resourceVersion', async () => {
    deploy('projector', 1, { [ANNOTATIONS.subscription]: 'orders::projector' });
    await workloads.start();
    (await source('orders::projector')).set(700);
    kube.injectConflicts(NS, 'projector', 2);
    const [outcome] = await scaler.tick();
    expect(outcome?.applied).toBe(true);
    const writes = kube.scaleWrites(NS, 'projector');
    expect(writes.map((w) => w.status)).toEqual([409, 409, 200]);
    expect(kube.deployment(NS, 'projector')?.spec.replicas).toBe(7);
  });

  test('conflicts beyond the retry budget fail that workload only, with the cause', async () => {
    kube.putDeployment({ namespace: NS, name: 'x', replicas: 1 });
    const target = new DeploymentScaleTarget(kubeConfigForServer(kube.url).makeApiClient(AppsV1Api), NS, 'x');
    kube.injectConflicts(NS, 'x', 10);
    await expect(target.scale(3)).rejects.toThrow('scaling deployment shop/x to 3 (attempt 5)');
    expect(kube.scaleWrites(NS, 'x')).toHaveLength(5);
  });

  test('a deleted Deployment, or one whose annotation is removed, stops being scaled', async () => {
    deploy('a', 1, { [ANNOTATIONS.subscription]: 'orders::a' });
    deploy('b', 1, { [ANNOTATIONS.subscription]: 'orders::b' });
    await workloads.start();
    await source('orders::a');
    await source('orders::b');
    kube.deleteDeployment(NS, 'a');
    kube.putDeployment({ namespace: NS, name: 'b', annotations: {} });
    await eventually(() => scaler.workloads().length === 0, 5_000, 'both workloads removed');
    expect(sources.get('orders::a')?.closed).toBe(true);
    expect(sources.get('orders::b')?.closed).toBe(true);
  });

  test('current replicas come from the watch: no /scale read while nothing changes, and an outside change is seen', async () => {
    deploy('projector', 3, { [ANNOTATIONS.subscription]: 'orders::projector' });
    await workloads.start();
    (await source('orders::projector')).set(300);
    await scaler.tick();
    await scaler.tick();
    const scaleReads = kube.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/projector/scale'));
    expect(scaleReads).toHaveLength(0);
    // Someone runs `kubectl scale --replicas=7`; the next decision starts from 7.
    kube.putDeployment({ namespace: NS, name: 'projector', replicas: 7 });
    await eventually(async () => (await scaler.find(NS, 'projector')?.target.currentReplicas()) === 7, 5_000, 'the watch to report 7');
    const [outcome] = await scaler.tick();
    expect(outcome?.currentReplicas).toBe(7);
    expect(kube.deployment(NS, 'projector')?.spec.replicas).toBe(3);
  });

  test('the watch picks up Deployments created after start', async () => {
    await workloads.start();
    deploy('late', 0, { [ANNOTATIONS.subscription]: 'orders::late' });
    (await source('orders::late')).set(50);
    await scaler.tick();
    expect(kube.deployment(NS, 'late')?.spec.replicas).toBe(1);
    expect(kube.requests.some((r) => r.query['watch'] === 'true')).toBe(true);
  });
});
