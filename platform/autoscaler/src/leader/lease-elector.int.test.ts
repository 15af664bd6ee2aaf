import { kubeConfigForServer } from '../targets/kubernetes/kube-config';
import { captureLog } from '../test-kit/capture-log';
import { FakeKubernetes } from '../test-kit/fake-kubernetes';
import { LeaseElector } from './lease-elector';

const NS = 'shop';
const LEASE = 'spillway-autoscaler';
const LEASE_MS = 15_000;
const RENEW_MS = 10_000;
const RETRY_MS = 2_000;

describe('LeaseElector against a Kubernetes API server (fake server, real client, real HTTP; the clock is the test’s)', () => {
  let kube: FakeKubernetes;
  let clock: number;
  let logs: ReturnType<typeof captureLog>;
  const elector = (identity: string) =>
    new LeaseElector({
      kubeConfig: kubeConfigForServer(kube.url),
      namespace: NS,
      leaseName: LEASE,
      identity,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_MS,
      retryPeriodMs: RETRY_MS,
      log: logs.log,
      now: () => clock,
    });
  const lease = () => kube.leases.get(NS, LEASE);

  beforeEach(async () => {
    kube = await FakeKubernetes.start();
    clock = 1_000_000;
    logs = captureLog('debug');
  });

  afterEach(async () => {
    await kube.close();
  });

  test('the first candidate creates the Lease and leads; the second follows while the leader renews', async () => {
    const a = elector('a');
    const b = elector('b');
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    // The client writes MicroTime, as Kubernetes stores it.
    expect(lease()?.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    // A renews every retry period; B never sees the record go stale, however long it watches.
    for (let i = 0; i < 20; i++) {
      clock += RETRY_MS;
      expect(await a.tryAcquireOrRenew()).toBe(true);
      expect(await b.tryAcquireOrRenew()).toBe(false);
    }
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0 });
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
  });

  test('a silent leader: the follower takes over at its first try after the lease duration, not before; the old leader stopped first', async () => {
    const a = elector('a');
    const b = elector('b');
    await a.tryAcquireOrRenew();
    clock += 1;
    // B first sees the record here; the lease duration runs from this moment on B's own clock.
    expect(await b.tryAcquireOrRenew()).toBe(false);
    const seenAt = clock;
    // A goes silent (killed). It stops counting itself leader once the renew deadline has passed.
    clock = seenAt + RENEW_MS;
    expect(a.isLeader()).toBe(false);
    while (clock + RETRY_MS < seenAt + LEASE_MS) {
      clock += RETRY_MS;
      expect(await b.tryAcquireOrRenew()).toBe(false);
    }
    clock = seenAt + LEASE_MS - 1;
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock = seenAt + LEASE_MS;
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(b.currentTerm()).toBe(1);
    // A comes back: it sees B's fresh record and follows.
    expect(await a.tryAcquireOrRenew()).toBe(false);
    expect(logs.lines()).toContainEqual(expect.objectContaining({ msg: 'became the leader', identity: 'b', term: 1, previous: 'a' }));
  });

  test('two candidates racing for an expired Lease: the resourceVersion lets exactly one win', async () => {
    const a = elector('a');
    await a.tryAcquireOrRenew();
    const candidates = [elector('b'), elector('c'), elector('d')];
    await Promise.all(candidates.map((c) => c.tryAcquireOrRenew()));
    clock += LEASE_MS;
    const results = await Promise.all(candidates.map((c) => c.tryAcquireOrRenew()));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = candidates[results.indexOf(true)];
    expect(lease()?.spec).toMatchObject({ holderIdentity: winner?.identity, leaseTransitions: 1 });
    const puts = kube.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/leases/${LEASE}`));
    expect(puts.filter((r) => r.status === 409).length).toBeGreaterThanOrEqual(1);
  });

  test('two candidates creating the Lease at once: one creates, the other gets AlreadyExists and follows', async () => {
    const results = await Promise.all([elector('a'), elector('b')].map((c) => c.tryAcquireOrRenew()));
    expect(results.sort()).toEqual([false, true]);
    const posts = kube.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/leases'));
    expect(posts.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  test('a leader that cannot renew stops leading after the renew deadline, while its record is still valid for others', async () => {
    const a = elector('a');
    const b = elector('b');
    await a.tryAcquireOrRenew();
    await b.tryAcquireOrRenew();
    kube.leases.failNext(1_000);
    clock += RETRY_MS;
    expect(await a.tryAcquireOrRenew()).toBe(true);
    clock += RENEW_MS - RETRY_MS;
    expect(await a.tryAcquireOrRenew()).toBe(false);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ msg: `stopped leading: not renewed within ${RENEW_MS} ms`, identity: 'a' }),
    );
    kube.leases.failNext(0);
    // B may not take over yet: the lease duration has not passed since B last saw it change.
    expect(await b.tryAcquireOrRenew()).toBe(false);
  });

  test('stop() releases the Lease: a follower takes over at its next try instead of waiting out the duration', async () => {
    const a = elector('a');
    const b = elector('b');
    await a.tryAcquireOrRenew();
    await b.tryAcquireOrRenew();
    await a.stop();
    expect(lease()?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  test('timings that would let two replicas lead at once are refused', () => {
    expect(
      () =>
        new LeaseElector({
          kubeConfig: kubeConfigForServer(kube.url),
          namespace: NS,
          leaseName: LEASE,
          identity: 'x',
          leaseDurationMs: 10_000,
          renewDeadlineMs: 10_000,
          log: logs.log,
        }),
    ).toThrow('the lease duration must be longer than the renew deadline');
  });
});
