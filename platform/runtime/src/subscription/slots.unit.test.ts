import { Slots } from './slots';

describe('Slots', () => {
  test('runs at most `size` tasks at once, the rest in arrival order', async () => {
    const slots = new Slots(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (n: number) =>
      slots.run(async () => {
        started.push(n);
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return n;
      });
    expect(await Promise.all([1, 2, 3, 4, 5].map(task))).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(started).toEqual([1, 2, 3, 4, 5]);
  });

  test('a failing task frees its slot', async () => {
    const slots = new Slots(1);
    await expect(slots.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(async () => 'next')).resolves.toBe('next');
  });

  test('resizing lets more tasks start at once, or lets fewer run as running ones finish', async () => {
    const slots = new Slots(1);
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const task = () =>
      slots.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
      });
    const first = [task(), task(), task()];
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toBe(1);
    slots.resize(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toBe(3);
    slots.resize(1);
    const later = [task(), task()];
    for (const open of gates.splice(0)) open();
    await Promise.all(first);
    // Three finished with the size at 1: only one of the waiting tasks starts.
    expect(running).toBe(1);
    for (const open of gates.splice(0)) open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toBe(1);
    for (const open of gates.splice(0)) open();
    await Promise.all(later);
    expect(peak).toBe(3);
  });
});
