import { z } from 'zod';
import { defineFunction } from '../contract/define-function';
import { startHarness } from './harness';

describe('startHarness', () => {
  test('runs a function against its own in-memory emulator and tears everything down', async () => {
    const seen: number[] = [];
    const fn = defineFunction({
      name: 'harnessed',
      subscription: {
        source: { stream: 'numbers' },
        group: 'harnessed',
        events: { Number: z.object({ n: z.number() }) },
        async handle(event) {
          seen.push(event.data.n);
        },
      },
    });
    const h = await startHarness(fn, { logLevel: 'silent' });
    try {
      expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
      await h.append('numbers', [
        { type: 'Number', data: { n: 1 } },
        { type: 'Number', data: { n: 2 } },
      ]);
      expect(await h.eventually(() => (seen.length === 2 ? [...seen] : undefined))).toEqual([1, 2]);
      expect((await h.read('numbers')).map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(await h.read('nothing-here')).toEqual([]);
      await expect(h.eventually(() => undefined, 50)).rejects.toThrow('condition not met within 50 ms');
    } finally {
      await h.close();
    }
    await expect(fetch(`${h.url}/livez`)).rejects.toThrow();
  });
});
