import { AckBatcher } from './ack-batcher';

describe('AckBatcher', () => {
  test('acks of one turn go out as one call per target', async () => {
    const calls: string[][] = [];
    const a = { ack: async (...events: string[]) => void calls.push(['a', ...events]) };
    const b = { ack: async (...events: string[]) => void calls.push(['b', ...events]) };
    const batcher = new AckBatcher<string>();
    await Promise.all([batcher.ack(a, '1'), batcher.ack(b, '2'), batcher.ack(a, '3')]);
    expect(calls).toEqual([
      ['a', '1', '3'],
      ['b', '2'],
    ]);
    await batcher.ack(a, '4');
    expect(calls.at(-1)).toEqual(['a', '4']);
  });

  test('a failed ack rejects every waiter of its batch', async () => {
    const failing = {
      ack: async () => {
        throw new Error('subscription gone');
      },
    };
    const batcher = new AckBatcher<string>();
    const results = await Promise.allSettled([batcher.ack(failing, '1'), batcher.ack(failing, '2')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
