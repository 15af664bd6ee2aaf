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
import { kubeConfigForServer } from '../targets/kubernetes/kube-config';
import { captureLog, eventually } from '../test-kit/capture-log';
import { FakeKubernetes } from '../test-kit/fake-kubernetes';
import { type AutoscalerApp, startAutoscalerApp } from './autoscaler-app';

const NS = 'shop';
// An emulator, a Kubernetes API fake and the app's watch on a loaded machine: bounded, not quick.
const WAIT_MS = 30_000;
jest.setTimeout(90_000);

interface FunctionView {
  name: string;
  replicas: unknown[];
  replicaCount: number;
  subscription?: { source: string; group: string; lag?: number; parked?: number };
  scaling?: { minReplicas: number; maxReplicas: number; latest?: { reason: string } };
}

describe("the autoscaler's console, on its metrics port, over a real emulator and a Kubernetes API fake", () => {
  let emulator: Emulator;
  let client: EventStoreDBClient;
  let kube: FakeKubernetes;
  let app: AutoscalerApp | undefined;
  let consumer: PersistentSubscriptionToStream | undefined;

  beforeEach(async () => {
    emulator = await startEmulator({ memory: true, port: 0 });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
    kube = await FakeKubernetes.start();
    // A projector's group with one event parked (a consumer gave up on it) and the rest handled.
    await client.appendToStream('orders', [
      jsonEvent({ type: 'OrderCreated', data: { i: 1 } }),
      jsonEvent({ type: 'Poison', data: {} }),
      jsonEvent({ type: 'OrderCreated', data: { i: 2 } }),
    ]);
    await client.createPersistentSubscriptionToStream(
      'orders',
      'order-projector',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, checkPointLowerBound: 1, checkPointUpperBound: 1 }),
    );
    await consume((event) => (event.event?.type === 'Poison' ? 'park' : 'ack'));
    await eventually(
      async () => {
        const info = await client.getPersistentSubscriptionToStreamInfo('orders', 'order-projector');
        return info.stats.parkedMessageCount === 1n && info.stats.lastCheckpointedEventRevision === 2n ? true : undefined;
      },
      WAIT_MS,
      'the poison event to be parked and the others acknowledged',
    );
    await stopConsuming();
    kube.putDeployment({
      namespace: NS,
      name: 'order-projector',
      replicas: 1,
      annotations: { [ANNOTATIONS.subscription]: 'orders::order-projector', [ANNOTATIONS.minReplicas]: '1' },
    });
  });

  afterEach(async () => {
    await stopConsuming();
    await app?.stop();
    app = undefined;
    await client.dispose();
    await emulator.close();
    await kube.close();
  });

  async function consume(answer: (event: { event?: { type: string } }) => 'ack' | 'park', group = 'order-projector'): Promise<void> {
    const subscription = client.subscribeToPersistentSubscriptionToStream('orders', group);
    consumer = subscription;
    subscription.on('data', (event) => {
      void (answer(event) === 'park' ? subscription.nack('park', 'poison cannot be handled', event) : subscription.ack(event));
    });
    await once(subscription, 'confirmation');
  }

  async function stopConsuming(): Promise<void> {
    await consumer?.unsubscribe().catch(() => undefined);
    consumer = undefined;
  }

  const start = async (consoleOption?: { allowReplay: boolean }) => {
    app = await startAutoscalerApp({
      esdbConnectionString: emulator.connectionString,
      kubeConfig: kubeConfigForServer(kube.url),
      namespace: NS,
      intervalMs: 200,
      dryRun: false,
      port: 0,
      grpcPort: 0,
      host: '127.0.0.1',
      failureThreshold: 3,
      ...(consoleOption ? { console: consoleOption } : {}),
      log: captureLog('warn').log,
    });
    return `http://127.0.0.1:${app.httpPort}`;
  };

  const json = async <T>(url: string, init?: RequestInit) => {
    const response = await fetch(url, init);
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: (await response.json()) as T };
  };

  test('read-only by default: functions and subscriptions from what the loop measures, the page, and replay refused', async () => {
    const base = await start({ allowReplay: false });

    const projector = await eventually(
      async () => {
        const { body } = await json<{ functions: FunctionView[] }>(`${base}/console/api/functions`);
        const fn = body.functions.find((f) => f.name === 'order-projector');
        return fn?.scaling?.latest && fn.subscription?.parked !== undefined ? fn : undefined;
      },
      WAIT_MS,
      "order-projector with the loop's first measurement",
    );
    expect(projector).toMatchObject({
      name: 'order-projector',
      // Counted from the tick, not listed: the autoscaler does not reach the pods.
      replicas: [],
      replicaCount: 1,
      subscription: { source: 'orders', group: 'order-projector', lag: 0, parked: 1 },
      scaling: { minReplicas: 1, maxReplicas: 10, latest: { reason: expect.any(String) } },
    });

    const subscriptions = await json<{
      subscriptions: { eventSource: string; groupName: string; stats: { parkedMessageCount: string } }[];
    }>(`${base}/console/api/subscriptions`);
    expect(subscriptions.status).toBe(200);
    expect(subscriptions.body.subscriptions).toEqual([
      expect.objectContaining({
        eventSource: 'orders',
        groupName: 'order-projector',
        stats: expect.objectContaining({ parkedMessageCount: '1' }),
      }),
    ]);
    const parked = await json<{ parked: { reason?: string; event?: { type: string } }[] }>(`${base}/console/api/parked/order-projector`);
    expect(parked.body.parked).toEqual([
      expect.objectContaining({
        reason: expect.stringContaining('poison cannot be handled'),
        event: expect.objectContaining({ type: 'Poison' }),
      }),
    ]);

    const about = await json<Record<string, unknown>>(`${base}/console/api/about`);
    expect(about.body).toEqual({ host: 'autoscaler', allowReplay: false, gateway: false });

    const refused = await json<{ status: number; code: string }>(`${base}/console/api/parked/order-projector/replay`, { method: 'POST' });
    expect(refused.status).toBe(403);
    expect(refused.type).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 403, code: 'READ_ONLY' });
    const info = await client.getPersistentSubscriptionToStreamInfo('orders', 'order-projector');
    expect(info.stats.parkedMessageCount).toBe(1n);

    const page = await fetch(`${base}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/console/assets/main.js');
    expect((await fetch(`${base}/console/assets/main.js`)).status).toBe(200);
    // The autoscaler's own endpoints are still there, and other methods on them still refused.
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('spillway_autoscaler_');
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  test('with allowReplay, the parked event is replayed: a consumer receives it again', async () => {
    const base = await start({ allowReplay: true });
    const replay = await json<Record<string, unknown>>(`${base}/console/api/parked/order-projector/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ group: 'order-projector', source: 'orders', replaying: true });

    const received: string[] = [];
    await consume((event) => {
      received.push(event.event?.type ?? '');
      return 'ack';
    });
    await eventually(() => (received.includes('Poison') ? true : undefined), WAIT_MS, 'the replayed event to be delivered');
  });

  test("a rebuild's group: the declared group and the build with lag, events processed, rate and ETA, from the loop's readings", async () => {
    // A build of v2 under `order-projector-v2` that has worked through the first three events, then five more arrive.
    await client.createPersistentSubscriptionToStream(
      'orders',
      'order-projector-v2',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, checkPointLowerBound: 1, checkPointUpperBound: 1 }),
    );
    await consume(() => 'ack', 'order-projector-v2');
    await eventually(
      async () => {
        const info = await client.getPersistentSubscriptionToStreamInfo('orders', 'order-projector-v2');
        return info.stats.lastCheckpointedEventRevision === 2n ? true : undefined;
      },
      WAIT_MS,
      'the build to acknowledge the first three events',
    );
    await stopConsuming();
    await client.appendToStream(
      'orders',
      Array.from({ length: 5 }, (_, i) => jsonEvent({ type: 'OrderCreated', data: { i: 3 + i } })),
    );
    const base = await start({ allowReplay: false });

    type Summary = {
      measuredFrom?: string;
      declaredGroup?: string;
      serving?: unknown;
      unknown?: string[];
      builds: {
        label?: string;
        group?: string;
        declared?: boolean;
        replayed?: number;
        lag?: number;
        ratePerSecond?: number;
        etaSeconds?: number;
      }[];
    };
    const buildOf = (summary: Summary | undefined) => summary?.builds.find((b) => b.group === 'order-projector-v2');
    const readModels = async () =>
      (await json<{ readModels: { function: string; summary?: Summary }[] }>(`${base}/console/api/read-models`)).body;
    const measured = await eventually(
      async () => {
        const body = await readModels();
        return buildOf(body.readModels[0]?.summary)?.lag === 5 ? body : undefined;
      },
      WAIT_MS,
      "the build's group measured with its backlog",
    );
    expect(measured.readModels).toEqual([
      {
        function: 'order-projector',
        summary: {
          measuredFrom: 'groups',
          declaredGroup: 'order-projector',
          // Two groups: which one serves is known to the pods' registry only.
          unknown: expect.arrayContaining(['serving', 'declaredVersion']),
          builds: [
            expect.objectContaining({ group: 'order-projector', declared: true, replayed: 3, lag: 5, parked: 1 }),
            expect.objectContaining({
              label: 'v2',
              version: 2,
              purpose: 'serve',
              group: 'order-projector-v2',
              replayed: 3,
              lag: 5,
              parked: 0,
            }),
          ],
        },
      },
    ]);
    expect(measured.readModels[0]?.summary).not.toHaveProperty('serving');

    const fn = await eventually(
      async () => {
        const { body } = await json<{ functions: (FunctionView & { readModel?: Summary })[] }>(`${base}/console/api/functions`);
        return buildOf(body.functions[0]?.readModel)?.lag === 5 ? body.functions[0] : undefined;
      },
      WAIT_MS,
      'the Functions view with the read model',
    );
    // The function's lag is the family's: both groups' backlogs.
    expect(fn?.subscription).toMatchObject({ group: 'order-projector', lag: 10 });

    // The build works through its backlog: every event processed, caught up, and a rate from the ticks between.
    await consume(() => 'ack', 'order-projector-v2');
    const done = await eventually(
      async () => {
        const build = buildOf((await readModels()).readModels[0]?.summary);
        return build?.lag === 0 && build.replayed === 8 && (build.ratePerSecond ?? 0) > 0 ? build : undefined;
      },
      WAIT_MS,
      'the build caught up, with a rate',
    );
    expect(done).toMatchObject({ label: 'v2', etaSeconds: 0, progress: 1 });
  });

  test('without the console option, /console is not served', async () => {
    const base = await start();
    expect((await fetch(`${base}/console/api/functions`)).status).toBe(404);
    expect((await fetch(`${base}/console`)).status).toBe(404);
  });
});
