import { PassThrough } from 'node:stream';
import { createDecisionLogger, formatLogLine } from './decision-log';

describe('the dev console view of the autoscaler log', () => {
  test('a decision becomes one line with the function, the replicas and the reason', async () => {
    const sink = new PassThrough();
    let printed = '';
    sink.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const log = createDecisionLogger(sink).child({ fn: 'stock-reservation', group: 'stock-reservation' });
    log.info({ from: 1, to: 3, direction: 'up', lag: 103 }, 'lag 103 / 20 per replica = 6, capped at max 3 -> 3 replicas');
    log.debug({ replicas: 3, lag: 0 }, 'no change');
    log.warn({ err: new Error('connection refused') }, 'measuring lag failed');
    await new Promise((r) => setImmediate(r));
    expect(printed.split('\n')).toEqual([
      '[autoscaler] stock-reservation 1 -> 3: lag 103 / 20 per replica = 6, capped at max 3 -> 3 replicas',
      '[autoscaler] stock-reservation: measuring lag failed: connection refused',
      '',
    ]);
  });

  test.each([
    { lag: 0, to: 1, expected: '[autoscaler] stock-reservation 0 -> 1: starting 1 replica (lag 0)' },
    { lag: 103, to: 3, expected: '[autoscaler] stock-reservation 0 -> 3: starting 3 replicas (lag 103)' },
  ])('the first decision (from 0) reads as a start: lag $lag', ({ lag, to, expected }) => {
    const line = JSON.stringify({ level: 30, fn: 'stock-reservation', from: 0, to, lag, msg: 'lag 0 <= activation 0: stay at 1' });
    expect(formatLogLine(line)).toBe(`${expected}\n`);
  });

  test.each([
    { name: 'not JSON', line: 'hello' },
    { name: 'info without a decision', line: '{"level":30,"msg":"started"}' },
  ])('nothing is printed for $name', ({ line }) => {
    expect(formatLogLine(line)).toBeUndefined();
  });
});
