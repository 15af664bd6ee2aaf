import { KeyedLock } from './keyed-lock';

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

describe('KeyedLock', () => {
  test('work for one key runs one at a time, in arrival order', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const gate = deferred();
    const first = lock.run('sku', async () => {
      order.push('first start');
      await gate.promise;
      order.push('first end');
    });
    const second = lock.run('sku', async () => {
      order.push('second');
    });
    await Promise.resolve();
    expect(order).toEqual(['first start']);
    gate.release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first start', 'first end', 'second']);
  });

  test('work for other keys does not wait', async () => {
    const lock = new KeyedLock();
    const gate = deferred();
    const blocked = lock.run('a', () => gate.promise);
    await expect(lock.run('b', async () => 'b done')).resolves.toBe('b done');
    gate.release();
    await blocked;
  });

  test('a failure reaches its caller and does not block the next work', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('sku', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('sku', async () => 42)).resolves.toBe(42);
  });
});
