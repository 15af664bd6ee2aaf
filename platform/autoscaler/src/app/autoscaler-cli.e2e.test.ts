import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { type Emulator, startEmulator } from '@spillway/emulator';
import { ANNOTATIONS } from '../annotations/annotations';
import { eventually } from '../test-kit/capture-log';
import { FakeKubernetes } from '../test-kit/fake-kubernetes';
import { writeKubeconfig } from '../test-kit/kubeconfig-file';

const bin = join(__dirname, '..', '..', '..', 'cli', 'bin', 'spillway.js');
const NS = 'shop';

describe('spillway autoscaler and spillway status (whole processes)', () => {
  let dir: string;
  let kube: FakeKubernetes;
  let emulator: Emulator | undefined;
  let client: EventStoreDBClient;
  let child: ChildProcess | undefined;
  let output: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spillway-autoscaler-'));
    kube = await FakeKubernetes.start();
    emulator = await startEmulator({ memory: true, port: 0 });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
    output = '';
  });

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    child = undefined;
    await client.dispose();
    await emulator?.close();
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (args: string[], env: Record<string, string>) => {
    const proc = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    return proc;
  };

  /** Waits like `eventually`, and on failure shows what the process printed. */
  const waitFor = async (check: () => boolean, what: string) => {
    try {
      await eventually(check, 30_000, what);
    } catch (err) {
      throw new Error(`${(err as Error).message}; process output:\n${output.slice(-4000)}`);
    }
  };

  const logLines = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  test('scales an annotated Deployment by lag, serves KEDA and metrics, falls back during an outage, stops on SIGTERM', async () => {
    await client.appendToStream(
      'orders',
      Array.from({ length: 250 }, (_, i) => jsonEvent({ type: 'OrderCreated', data: { i } })),
    );
    kube.putDeployment({
      namespace: NS,
      name: 'order-projector',
      replicas: 0,
      annotations: {
        [ANNOTATIONS.subscription]: 'orders::order-projector',
        [ANNOTATIONS.lagPerReplica]: '100',
        [ANNOTATIONS.fallbackReplicas]: '1',
      },
    });
    kube.putDeployment({
      namespace: NS,
      name: 'broken',
      replicas: 2,
      annotations: { [ANNOTATIONS.subscription]: 'orders::broken', [ANNOTATIONS.policy]: 'fastest' },
    });

    child = run(['autoscaler', '--namespace', NS, '--interval', '200ms', '--port', '0', '--grpc-port', '0'], {
      KUBECONFIG: writeKubeconfig(dir, kube.url),
      ESDB_CONNECTION_STRING: `${emulator!.connectionString}&defaultDeadline=1000`,
      FALLBACK_AFTER_FAILURES: '2',
      LOG_LEVEL: 'info',
    });

    // The group does not exist yet, so all 250 events are lag: ceil(250 / 100) = 3.
    await waitFor(() => kube.deployment(NS, 'order-projector')?.spec.replicas === 3, 'order-projector scaled to 3');
    expect(kube.scaleWrites(NS, 'broken')).toHaveLength(0);
    expect(logLines()).toContainEqual(expect.objectContaining({ deployment: 'broken', key: ANNOTATIONS.policy }));

    const started = logLines().find((l) => l['msg'] === 'autoscaler started');
    const port = started?.['httpPort'];
    expect(typeof port).toBe('number');
    const lag = (await (await fetch(`http://127.0.0.1:${port}/keda/lag?deployment=order-projector`)).json()) as { lag: number };
    expect(lag.lag).toBe(250);
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(
      /spillway_autoscaler_lag_events\{[^}]*workload="order-projector"[^}]*\} 250/,
    );
    // The console on the same port, read-only without --console-allow-replay.
    expect(await (await fetch(`http://127.0.0.1:${port}/console/api/about`)).json()).toEqual({
      host: 'autoscaler',
      allowReplay: false,
      gateway: false,
    });

    // EventStoreDB goes away: hold 3, then the fallback of 1 after 2 failed readings.
    await client.dispose();
    await emulator!.close();
    emulator = undefined;
    client = EventStoreDBClient.connectionString('esdb://127.0.0.1:1?tls=false');
    await waitFor(() => kube.deployment(NS, 'order-projector')?.spec.replicas === 1, 'fallback to 1 replica');
    expect(logLines()).toContainEqual(expect.objectContaining({ msg: expect.stringContaining('fallback 1 replicas') }));

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 60_000);

  test('spillway status prints each persistent subscription with its lag', async () => {
    await client.appendToStream(
      'payments',
      Array.from({ length: 7 }, (_, i) => jsonEvent({ type: 'Paid', data: { i } })),
    );
    await client.createPersistentSubscriptionToStream('payments', 'ledger', {
      startFrom: 'start',
      resolveLinkTos: false,
      extraStatistics: false,
      messageTimeout: 30_000,
      maxRetryCount: 10,
      checkPointAfter: 2_000,
      checkPointLowerBound: 10,
      checkPointUpperBound: 1_000,
      maxSubscriberCount: 'unbounded',
      liveBufferSize: 500,
      readBatchSize: 20,
      historyBufferSize: 500,
      consumerStrategyName: 'RoundRobin',
    });
    child = run(['status'], { ESDB_CONNECTION_STRING: emulator!.connectionString });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(output).toMatch(/^SUBSCRIPTION\s+STATUS\s+LAG\s+IN-FLIGHT\s+RETRY\s+PARKED\s+CONSUMERS$/m);
    expect(output).toMatch(/^payments::ledger\s+no consumers\s+7\s+0\s+0\s+0\s+0$/m);
  }, 60_000);

  test('--console-allow-replay: the console on the metrics port may replay parked messages', async () => {
    child = run(['autoscaler', '--namespace', NS, '--port', '0', '--grpc-port', '0', '--console-allow-replay'], {
      KUBECONFIG: writeKubeconfig(dir, kube.url),
      ESDB_CONNECTION_STRING: emulator!.connectionString,
      LOG_LEVEL: 'info',
    });
    await waitFor(() => logLines().some((l) => l['msg'] === 'autoscaler started'), 'the autoscaler to start');
    const started = logLines().find((l) => l['msg'] === 'autoscaler started');
    expect(started?.['console']).toBe('replay allowed');
    const about = (await (await fetch(`http://127.0.0.1:${started?.['httpPort']}/console/api/about`)).json()) as { allowReplay: boolean };
    expect(about.allowReplay).toBe(true);
  }, 60_000);

  test('bad flags exit 2 with the command named', async () => {
    child = run(['autoscaler', '--interval', 'soon'], {});
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(output).toContain('autoscaler: --interval expects a duration');
  }, 60_000);
});
