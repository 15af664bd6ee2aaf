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
    { name: 'not JSON', line: 'hello' },
    { name: 'info without a decision', line: '{"level":30,"msg":"started"}' },
  ])('nothing is printed for $name', ({ line }) => {
    expect(formatLogLine(line)).toBeUndefined();
  });
});
