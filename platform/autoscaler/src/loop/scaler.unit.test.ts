import { scalingSpec } from '../annotations/annotations';
import type { LagSource } from '../lag/lag-source';
import type { ScaleTarget } from '../targets/scale-target';
import { captureLog } from '../test-kit/capture-log';
import { ControlledLagSource } from '../test-kit/controlled-lag-source';
import { RecordingScaleTarget } from '../test-kit/recording-scale-target';
import { Scaler } from './scaler';

const spec = (group: string) => scalingSpec({ subscription: { kind: 'stream', stream: 'orders', group }, lagPerReplica: 10 });

describe('Scaler', () => {
  test('dry run decides and logs but never applies', async () => {
    const logs = captureLog();
    const target = new RecordingScaleTarget(1);
    const scaler = new Scaler({ lagSource: () => new ControlledLagSource('orders::a', 50), log: logs.log, dryRun: true });
    scaler.upsert({ namespace: 'ns', name: 'a', spec: spec('a'), target });
    const [outcome] = await scaler.tick();
    expect(outcome).toMatchObject({ applied: false, decision: { replicas: 5 } });
    expect(target.history).toEqual([]);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ fn: 'a', from: 1, to: 5, dryRun: true, msg: 'lag 50 / 10 per replica = 5 -> 5 replicas' }),
    );
    await scaler.stop();
  });

  test('a follower measures and decides but never applies; the same scaler applies once it leads', async () => {
    const logs = captureLog();
    const target = new RecordingScaleTarget(1);
    let leading = false;
    const scaler = new Scaler({
      lagSource: () => new ControlledLagSource('orders::f', 30),
      log: logs.log,
      leadership: { isLeader: () => leading },
    });
    scaler.upsert({ namespace: 'ns', name: 'f', spec: spec('f'), target });
    const [followed] = await scaler.tick();
    expect(followed).toMatchObject({ applied: false, decision: { replicas: 3 }, measurement: { lag: 30 } });
    expect(target.history).toEqual([]);
    expect(logs.lines()).toContainEqual(expect.objectContaining({ fn: 'f', to: 3, follower: true }));
    leading = true;
    const [led] = await scaler.tick();
    expect(led).toMatchObject({ applied: true, decision: { replicas: 3 } });
    expect(target.history).toEqual([3]);
    await scaler.stop();
  });

  test('with leaveFixedUnmeasured, a workload fixed at min = max is sized without reading its lag; a ranged one is still measured', async () => {
    const { log } = captureLog();
    const sources = new Map<string, ControlledLagSource>();
    const scaler = new Scaler({
      lagSource: (s) => {
        const source = new ControlledLagSource(s.subscription.kind === 'stream' ? s.subscription.group : '', 50);
        sources.set(source.subscription, source);
        return source;
      },
      log,
      leaveFixedUnmeasured: true,
    });
    const fixed = new RecordingScaleTarget(0);
    const ranged = new RecordingScaleTarget(1);
    scaler.upsert({ namespace: 'ns', name: 'fixed', spec: { ...spec('fixed'), minReplicas: 2, maxReplicas: 2 }, target: fixed });
    scaler.upsert({ namespace: 'ns', name: 'ranged', spec: spec('ranged'), target: ranged });
    const outcomes = await scaler.tick();
    const fixedOutcome = outcomes.find((o) => o.name === 'fixed');
    expect(fixedOutcome).toMatchObject({ applied: true, decision: { replicas: 2 } });
    expect(fixedOutcome?.measurement).toBeUndefined();
    expect(fixedOutcome?.error).toBeUndefined();
    expect(fixed.history).toEqual([2]);
    expect(sources.get('fixed')?.readings ?? 0).toBe(0);
    expect(outcomes.find((o) => o.name === 'ranged')).toMatchObject({ decision: { replicas: 5 }, measurement: { lag: 50 } });
    expect(sources.get('ranged')?.readings).toBe(1);
    await scaler.stop();
  });

  test('without leaveFixedUnmeasured (the cluster), a fixed workload is measured like any other', async () => {
    const { log } = captureLog();
    const scaler = new Scaler({ lagSource: () => new ControlledLagSource('orders::x', 50), log });
    scaler.upsert({
      namespace: 'ns',
      name: 'x',
      spec: { ...spec('x'), minReplicas: 2, maxReplicas: 2 },
      target: new RecordingScaleTarget(2),
    });
    const [outcome] = await scaler.tick();
    expect(outcome).toMatchObject({ decision: { replicas: 2 }, measurement: { lag: 50 } });
    await scaler.stop();
  });

  test('a workload scaled by KEDA is measured and decided, never applied', async () => {
    const logs = captureLog();
    const target = new RecordingScaleTarget(1);
    const scaler = new Scaler({ lagSource: () => new ControlledLagSource('orders::k', 80), log: logs.log });
    scaler.upsert({ namespace: 'ns', name: 'k', spec: { ...spec('k'), scaledBy: 'keda' }, target });
    const [outcome] = await scaler.tick();
    expect(outcome).toMatchObject({ applied: false, decision: { replicas: 8 }, measurement: { lag: 80 } });
    expect(target.history).toEqual([]);
    expect(logs.lines()).toContainEqual(expect.objectContaining({ fn: 'k', to: 8, scaledBy: 'keda' }));
    await scaler.stop();
  });

  test('one workload whose target fails does not stop the others', async () => {
    const { log } = captureLog();
    const broken: ScaleTarget = {
      currentReplicas: async () => {
        throw new Error('forbidden');
      },
      scale: async () => undefined,
    };
    const good = new RecordingScaleTarget(0);
    const scaler = new Scaler({
      lagSource: (s) => new ControlledLagSource(s.subscription.kind === 'stream' ? s.subscription.group : '', 30),
      log,
    });
    scaler.upsert({ namespace: 'ns', name: 'broken', spec: spec('broken'), target: broken });
    scaler.upsert({ namespace: 'ns', name: 'good', spec: spec('good'), target: good });
    const outcomes = await scaler.tick();
    expect(outcomes.find((o) => o.name === 'broken')?.error?.message).toBe('forbidden');
    expect(good.history).toEqual([3]);
    await scaler.stop();
  });

  test('a reading that never returns counts as a failure, so the fallback still applies', async () => {
    const { log } = captureLog();
    const silent: LagSource = { subscription: 'orders::s', getLag: () => new Promise<never>(() => {}), close: async () => {} };
    const target = new RecordingScaleTarget(4);
    const scaler = new Scaler({ lagSource: () => silent, log, failureThreshold: 2, measureTimeoutMs: 20 });
    scaler.upsert({ namespace: 'ns', name: 's', spec: { ...spec('s'), fallbackReplicas: 1 }, target });
    const [first] = await scaler.tick();
    expect(first?.error?.message).toBe('no lag reading of orders::s within 20 ms');
    expect(target.history).toEqual([]);
    await scaler.tick();
    expect(target.history).toEqual([1]);
    await expect(scaler.measure('ns', 's')).rejects.toThrow(/within 20 ms/);
    await scaler.stop();
  });

  test('a spec change keeps the lag source unless the subscription changes', async () => {
    const { log } = captureLog();
    const sources: ControlledLagSource[] = [];
    const scaler = new Scaler({
      lagSource: () => {
        const s = new ControlledLagSource('x', 0);
        sources.push(s);
        return s;
      },
      log,
    });
    const target = new RecordingScaleTarget(0);
    scaler.upsert({ namespace: 'ns', name: 'a', spec: spec('a'), target });
    scaler.upsert({ namespace: 'ns', name: 'a', spec: { ...spec('a'), maxReplicas: 3 }, target });
    expect(sources).toHaveLength(1);
    scaler.upsert({ namespace: 'ns', name: 'a', spec: spec('b'), target });
    expect(sources).toHaveLength(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sources[0]?.closed).toBe(true);
    await scaler.stop();
    expect(sources[1]?.closed).toBe(true);
  });
});
