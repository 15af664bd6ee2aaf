import { once } from 'node:events';
import {
  EventStoreDBClient,
  jsonEvent,
  type PersistentSubscriptionToStream,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
} from '@eventstore/db-client';
import { type Emulator, startEmulator } from '@spillway/emulator';
import { ANNOTATIONS } from '../annotations/annotations';
import { eventStoreLagSources } from '../lag/eventstore-lag-sources';
import { Scaler } from '../loop/scaler';
import { kubeConfigForServer } from '../targets/kubernetes/kube-config';
import { KubernetesWorkloads } from '../targets/kubernetes/kubernetes-workloads';
import { captureLog, eventually } from '../test-kit/capture-log';
import { FakeKubernetes } from '../test-kit/fake-kubernetes';

const NS = 'shop';

describe('the loop with real lag (emulator) and a real Kubernetes client (fake API server)', () => {
  let emulator: Emulator | undefined;
  let client: EventStoreDBClient;
  let kube: FakeKubernetes;
  let scaler: Scaler;
  let workloads: KubernetesWorkloads;
  let clock: number;
  let subscription: PersistentSubscriptionToStream | undefined;

  beforeEach(async () => {
    emulator = await startEmulator({ memory: true, port: 0 });
    client = EventStoreDBClient.connectionString(`${emulator.connectionString}&defaultDeadline=1000`);
    kube = await FakeKubernetes.start();
    clock = 10_000_000;
    const { log } = captureLog();
    scaler = new Scaler({ lagSource: eventStoreLagSources(client), log, now: () => clock, failureThreshold: 2 });
    workloads = new KubernetesWorkloads(kubeConfigForServer(kube.url), NS, scaler, log);
  });

  afterEach(async () => {
    await subscription?.unsubscribe().catch(() => undefined);
    subscription = undefined;
    await workloads.stop();
    await scaler.stop();
    await client.dispose();
    await emulator?.close();
    await kube.close();
  });

  const replicas = (name: string) => kube.deployment(NS, name)?.spec.replicas;
  const append = (stream: string, count: number) =>
    client.appendToStream(
      stream,
      Array.from({ length: count }, (_, i) => jsonEvent({ type: 'OrderCreated', data: { i } })),
    );
  const managed = (name: string) => eventually(() => scaler.find(NS, name), 5_000, `${name} to be watched`);

  test('lag rises: scaled up at once; lag drains: down only after the stabilization window, to zero after the cooldown', async () => {
    await client.createPersistentSubscriptionToStream(
      'orders',
      'projector',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, checkPointLowerBound: 1, checkPointUpperBound: 1 }),
    );
    kube.putDeployment({
      namespace: NS,
      name: 'projector',
      replicas: 1,
      annotations: {
        [ANNOTATIONS.subscription]: 'orders::projector',
        [ANNOTATIONS.lagPerReplica]: '10',
        [ANNOTATIONS.scaleDownStabilizationSeconds]: '60',
        [ANNOTATIONS.cooldownSeconds]: '300',
      },
    });
    await workloads.start();
    await managed('projector');
    await append('orders', 45);
    await scaler.tick();
    expect(replicas('projector')).toBe(5);

    // A consumer works the backlog off; the checkpoint follows every ack.
    subscription = client.subscribeToPersistentSubscriptionToStream('orders', 'projector');
    subscription.on('data', (event) => void subscription?.ack(event));
    await once(subscription, 'confirmation');
    await eventually(async () => (await scaler.measure(NS, 'projector')).caughtUp, 10_000, 'the group to catch up');

    clock += 30_000;
    await scaler.tick();
    expect(replicas('projector')).toBe(5);
    clock += 31_000;
    await scaler.tick();
    expect(replicas('projector')).toBe(1);
    clock += 300_000;
    await scaler.tick();
    expect(replicas('projector')).toBe(0);
  });

  test('activation from zero: a group that does not exist yet counts every event as lag', async () => {
    kube.putDeployment({
      namespace: NS,
      name: 'reserver',
      replicas: 0,
      annotations: { [ANNOTATIONS.subscription]: 'inventory-1::reserver', [ANNOTATIONS.activationLag]: '2' },
    });
    await workloads.start();
    await managed('reserver');
    await append('inventory-1', 2);
    await scaler.tick();
    expect(replicas('reserver')).toBe(0);
    await append('inventory-1', 1);
    await scaler.tick();
    expect(replicas('reserver')).toBe(1);
  });

  test('EventStoreDB outage: replicas held, then the fallback count', async () => {
    kube.putDeployment({
      namespace: NS,
      name: 'projector',
      replicas: 4,
      annotations: { [ANNOTATIONS.subscription]: 'orders::projector', [ANNOTATIONS.fallbackReplicas]: '2', [ANNOTATIONS.minReplicas]: '1' },
    });
    await workloads.start();
    await managed('projector');
    await emulator?.close();
    emulator = undefined;
    const [first] = await scaler.tick();
    expect(first?.error).toBeDefined();
    expect(replicas('projector')).toBe(4);
    await scaler.tick();
    expect(replicas('projector')).toBe(2);
  });
});
