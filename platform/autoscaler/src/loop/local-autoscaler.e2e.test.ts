import { type ChildProcess, spawn } from 'node:child_process';
import { captureLog, eventually } from '../test-kit/capture-log';
import { ControlledLagSource } from '../test-kit/controlled-lag-source';
import { type LocalAutoscaler, startLocalAutoscaler } from './local-autoscaler';

describe('local autoscaler: the loop driving a process pool', () => {
  let local: LocalAutoscaler | undefined;
  const children: ChildProcess[] = [];

  afterEach(async () => {
    await local?.stop();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  test('replicas follow the lag: up at once, to zero after the cooldown', async () => {
    const source = new ControlledLagSource('orders::worker', 0);
    const { log } = captureLog();
    local = startLocalAutoscaler({
      functions: [
        {
          name: 'worker',
          scaling: {
            subscription: { kind: 'stream', stream: 'orders', group: 'worker' },
            lagPerReplica: 10,
            maxReplicas: 3,
            cooldownSeconds: 0,
            scaleDownStabilizationSeconds: 0,
          },
          spawn: () => {
            const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
            children.push(child);
            return child;
          },
          stopTimeoutMs: 2_000,
        },
      ],
      lagSource: () => source,
      log,
      intervalMs: 20,
    });
    const pool = local.pools.get('worker')!;
    source.set(25);
    await eventually(async () => (await pool.currentReplicas()) === 3, 5_000, '3 replicas');
    source.set(0);
    await eventually(async () => (await pool.currentReplicas()) === 0, 5_000, 'scale to zero');
    expect(children).toHaveLength(3);
    await eventually(() => children.every((c) => c.exitCode !== null || c.signalCode !== null), 5_000, 'all replicas stopped');
  });
});
