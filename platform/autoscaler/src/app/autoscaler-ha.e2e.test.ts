import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import * as grpc from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '@spillway/emulator';
import { ANNOTATIONS } from '../annotations/annotations';
import { LAG_METRIC, loadExternalScalerPackage } from '../keda/external-scaler';
import { eventually } from '../test-kit/capture-log';
import { FakeKubernetes } from '../test-kit/fake-kubernetes';
import { writeKubeconfig } from '../test-kit/kubeconfig-file';

const bin = join(__dirname, '..', '..', '..', 'cli', 'bin', 'spillway.js');
const NS = 'shop';
const LEASE = 'spillway-autoscaler';
// Short timings so a takeover happens within the test; the ratios are client-go's (15 s / 10 s / 2 s).
const LEASE_MS = 3_000;
const RETRY_MS = 400;
const FLAGS = [
  ...['--namespace', NS, '--interval', '200ms', '--port', '0', '--grpc-port', '0'],
  ...[
    '--leader-elect',
    '--leader-elect-lease-duration',
    '3s',
    '--leader-elect-renew-deadline',
    '2s',
    '--leader-elect-retry-period',
    `${RETRY_MS}ms`,
  ],
];

interface Replica {
  readonly pod: string;
  readonly proc: ChildProcess;
  output: string;
}

/** GetMetrics of KEDA's external-scaler protocol, as KEDA calls it for a ScaledObject named after its Deployment. */
async function externalScalerLag(port: number, deployment: string): Promise<number | undefined> {
  const pkg = loadExternalScalerPackage() as unknown as { externalscaler: { ExternalScaler: grpc.ServiceClientConstructor } };
  const client = new pkg.externalscaler.ExternalScaler(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  type Reply = { metricValues: { metricValue: number }[] };
  const getMetrics = client['GetMetrics'] as (request: unknown, callback: (err: grpc.ServiceError | null, reply: Reply) => void) => void;
  try {
    const reply = await new Promise<Reply>((resolve, reject) =>
      getMetrics.call(client, { scaledObjectRef: { name: deployment, namespace: NS }, metricName: LAG_METRIC }, (err, r) =>
        err ? reject(err) : resolve(r),
      ),
    );
    return reply.metricValues[0]?.metricValue;
  } finally {
    client.close();
  }
}

/** The identity a /scale write names in its User-Agent: `spillway-autoscaler (<identity>)`. */
const writer = (userAgent: string | undefined) => userAgent?.match(/^spillway-autoscaler \((.+)\)$/)?.[1];

describe('two autoscaler replicas with leader election (whole processes, fake Kubernetes API over HTTP)', () => {
  let dir: string;
  let kube: FakeKubernetes;
  let emulator: Emulator;
  let client: EventStoreDBClient;
  const replicas: Replica[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spillway-autoscaler-ha-'));
    kube = await FakeKubernetes.start();
    emulator = await startEmulator({ memory: true, port: 0 });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
  });

  afterEach(async () => {
    for (const { proc } of replicas.splice(0)) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await once(proc, 'exit');
      }
    }
    await client.dispose();
    await emulator.close();
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (pod: string): Replica => {
    const proc = spawn(process.execPath, [bin, 'autoscaler', ...FLAGS], {
      env: {
        ...process.env,
        KUBECONFIG: writeKubeconfig(dir, kube.url),
        ESDB_CONNECTION_STRING: `${emulator.connectionString}&defaultDeadline=2000`,
        POD_NAMESPACE: NS,
        POD_NAME: pod,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const replica: Replica = { pod, proc, output: '' };
    const collect = (chunk: Buffer) => {
      replica.output += chunk.toString();
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    replicas.push(replica);
    return replica;
  };

  const startedLine = (r: Replica) =>
    r.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((l) => l['msg'] === 'autoscaler started');

  const waitFor = async <T>(check: () => T | Promise<T>, what: string) => {
    try {
      return await eventually(check, 30_000, what);
    } catch (err) {
      const outputs = replicas.map((r) => `--- ${r.pod}:\n${r.output.slice(-3000)}`).join('\n');
      throw new Error(`${(err as Error).message}; process output:\n${outputs}`);
    }
  };

  const append = (count: number) =>
    client.appendToStream(
      'orders',
      Array.from({ length: count }, (_, i) => jsonEvent({ type: 'OrderCreated', data: { i } })),
    );

  test('only the leader scales; after SIGKILL of the leader the other takes over once the lease expires and scaling continues', async () => {
    await append(250);
    kube.putDeployment({
      namespace: NS,
      name: 'order-projector',
      replicas: 0,
      annotations: { [ANNOTATIONS.subscription]: 'orders::order-projector', [ANNOTATIONS.lagPerReplica]: '100' },
    });
    const a = start('autoscaler-a');
    const b = start('autoscaler-b');

    // The group does not exist yet, so all 250 events are lag: ceil(250 / 100) = 3.
    await waitFor(() => kube.deployment(NS, 'order-projector')?.spec.replicas === 3, 'order-projector scaled to 3');
    const firstHolder = kube.leases.get(NS, LEASE)?.spec.holderIdentity ?? '';
    const [leader, follower] = firstHolder.startsWith('autoscaler-a_') ? [a, b] : [b, a];
    if (!leader || !follower) throw new Error('two replicas expected');
    expect(firstHolder.startsWith(`${leader.pod}_`)).toBe(true);

    // The follower measures and serves KEDA too (metrics-api and the external scaler), and says it is not the leader.
    const followerStarted = await waitFor(() => startedLine(follower), 'the follower started');
    const followerPort = followerStarted['httpPort'];
    const kedaLag = (await (await fetch(`http://127.0.0.1:${followerPort}/keda/lag?deployment=order-projector`)).json()) as { lag: number };
    expect(kedaLag.lag).toBe(250);
    expect(await externalScalerLag(Number(followerStarted['grpcPort']), 'order-projector')).toBe(250);
    const followerMetrics = await (await fetch(`http://127.0.0.1:${followerPort}/metrics`)).text();
    expect(followerMetrics).toMatch(/^spillway_autoscaler_leader\{app="spillway-autoscaler"\} 0$/m);
    const leaderPort = (await waitFor(() => startedLine(leader), 'the leader started'))['httpPort'];
    expect(await (await fetch(`http://127.0.0.1:${leaderPort}/metrics`)).text()).toMatch(
      /^spillway_autoscaler_leader\{app="spillway-autoscaler"\} 1$/m,
    );

    leader.proc.kill('SIGKILL');
    await once(leader.proc, 'exit');
    await append(350);

    // 600 events of lag: the new leader scales to 6.
    await waitFor(() => kube.deployment(NS, 'order-projector')?.spec.replicas === 6, 'the new leader scaled to 6');
    const secondHolder = kube.leases.get(NS, LEASE)?.spec;
    expect(secondHolder?.holderIdentity?.startsWith(`${follower.pod}_`)).toBe(true);
    expect(secondHolder?.leaseTransitions).toBe(1);

    // The follower took over no earlier than the lease duration after the last renewal it saw.
    const versions = kube.leases.history(NS, LEASE);
    const lastRenewal = versions.filter((v) => v.lease.spec.holderIdentity === firstHolder).at(-1);
    const takeover = versions.find((v) => v.lease.spec.leaseTransitions === 1);
    expect(lastRenewal && takeover).toBeTruthy();
    expect((takeover?.at ?? 0) - (lastRenewal?.at ?? 0)).toBeGreaterThanOrEqual(LEASE_MS);
    // And no later than its first try after the lease duration, counted in tries rather than wall time: a try
    // starts at least a retry period after the one before, so a slow machine makes fewer tries, not more. The
    // follower's first read after the last renewal starts its clock, and its reads from that one to the one it
    // takes over after number at most ceil(duration / retry) + 1. One more may be the leader's, before the SIGKILL.
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${LEASE}`;
    const readsBetween = kube.requests.filter(
      (r) => r.method === 'GET' && r.path === leasePath && r.seq > (lastRenewal?.seq ?? 0) && r.seq < (takeover?.seq ?? 0),
    );
    expect(readsBetween.length).toBeGreaterThanOrEqual(2);
    expect(readsBetween.length).toBeLessThanOrEqual(Math.ceil(LEASE_MS / RETRY_MS) + 2);

    // Every /scale write (successful or not) came from the holder of the Lease at that moment: one writer per term.
    const writes = kube.scaleWrites(NS, 'order-projector');
    expect(writes.length).toBeGreaterThanOrEqual(2);
    const writersByTerm = new Map<number, Set<string>>();
    for (const w of writes) {
      const holder = kube.leases.before(NS, LEASE, w.seq)?.spec;
      expect(writer(w.userAgent)).toBe(holder?.holderIdentity);
      const term = holder?.leaseTransitions ?? -1;
      writersByTerm.set(term, new Set([...(writersByTerm.get(term) ?? []), writer(w.userAgent) ?? '']));
    }
    expect([...writersByTerm.entries()].map(([term, ids]) => [term, ids.size])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect([...(writersByTerm.get(1) ?? [])][0]).toBe(secondHolder?.holderIdentity);

    follower.proc.kill('SIGTERM');
    const [code] = await once(follower.proc, 'exit');
    expect(code).toBe(0);
    // A graceful stop releases the Lease, so the next replica need not wait the duration out.
    expect(kube.leases.get(NS, LEASE)?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
  }, 90_000);
});
