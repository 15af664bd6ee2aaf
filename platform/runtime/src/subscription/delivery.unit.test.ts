import { z } from 'zod';
import { PermanentError } from '../errors/errors';
import { HandlerTimeoutError, type RawDelivery, toDelivery, verdictForFailure, withTimeout } from './delivery';

const schemas = {
  OrderCreated: z.object({ orderId: z.string(), qty: z.number().int().positive() }),
};

function raw(type: string, data: unknown, extra: Partial<NonNullable<RawDelivery['event']>> = {}): RawDelivery {
  return {
    event: {
      id: 'e1',
      type,
      streamId: 'order-1',
      revision: 3n,
      isJson: true,
      data,
      metadata: { $correlationId: 'c1' },
      ...extra,
    },
    retryCount: 2,
  };
}

describe('toDelivery', () => {
  test('a valid event is typed, with its metadata and retry count', () => {
    const delivery = toDelivery(raw('OrderCreated', { orderId: 'o1', qty: 2 }), schemas);
    expect(delivery).toEqual({
      kind: 'valid',
      event: {
        type: 'OrderCreated',
        data: { orderId: 'o1', qty: 2 },
        id: 'e1',
        streamId: 'order-1',
        revision: 3n,
        metadata: { $correlationId: 'c1' },
        retryCount: 2,
      },
    });
  });

  test('an invalid payload is sorted out with the validation message', () => {
    const delivery = toDelivery(raw('OrderCreated', { orderId: 'o1', qty: -1 }), schemas);
    expect(delivery.kind).toBe('invalid');
    expect(delivery.kind === 'invalid' && delivery.reason).toMatch(/^invalid OrderCreated: qty: /);
  });

  test('an unknown type is sorted out, not validated', () => {
    expect(toDelivery(raw('OrderShipped', {}), schemas)).toMatchObject({ kind: 'unknown', type: 'OrderShipped' });
  });

  test('a type that only exists on Object.prototype is unknown', () => {
    expect(toDelivery(raw('toString', {}), schemas)).toMatchObject({ kind: 'unknown', type: 'toString' });
  });

  test('a binary payload holding JSON is decoded, metadata too', () => {
    const bytes = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value)));
    const delivery = toDelivery(
      raw('OrderCreated', bytes({ orderId: 'o2', qty: 1 }), { isJson: false, metadata: bytes({ a: 1 }) }),
      schemas,
    );
    expect(delivery.kind === 'valid' && delivery.event.data).toEqual({ orderId: 'o2', qty: 1 });
    expect(delivery.kind === 'valid' && delivery.event.metadata).toEqual({ a: 1 });
  });

  test('an unresolved link is unknown', () => {
    expect(toDelivery({ retryCount: 0 }, schemas).kind).toBe('unknown');
  });

  test('a huge validation message is truncated', () => {
    const wide = { X: z.object(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`field${i}`, z.string()]))) };
    const delivery = toDelivery(raw('X', {}), wide);
    expect(delivery.kind === 'invalid' && delivery.reason.length).toBe(500);
  });
});

describe('verdictForFailure', () => {
  const rows: [string, unknown, 'retry' | 'park'][] = [
    ['a PermanentError parks at once', new PermanentError('sku unknown forever'), 'park'],
    ['an ordinary error retries', new Error('db down'), 'retry'],
    ['a timeout retries', new HandlerTimeoutError('slow'), 'retry'],
    ['a thrown string retries', 'oops', 'retry'],
  ];
  test.each(rows)('%s', (_name, err, action) => {
    const verdict = verdictForFailure(err);
    expect(verdict.action).toBe(action);
    expect(verdict.action !== 'ack' && verdict.reason.length).toBeGreaterThan(0);
  });

  test('the reason names the error', () => {
    expect(verdictForFailure(new PermanentError('sku unknown forever'))).toEqual({
      action: 'park',
      reason: 'PermanentError: sku unknown forever',
    });
  });
});

describe('withTimeout', () => {
  test('returns the work result in time', async () => {
    await expect(withTimeout(1000, new AbortController().signal, async () => 42)).resolves.toBe(42);
  });

  test('rejects with HandlerTimeoutError and aborts the signal when the work hangs', async () => {
    let seen: AbortSignal | undefined;
    const hanging = withTimeout(20, new AbortController().signal, (signal) => {
      seen = signal();
      return new Promise(() => {});
    });
    await expect(hanging).rejects.toBeInstanceOf(HandlerTimeoutError);
    expect(seen?.aborted).toBe(true);
  });

  test('the outer signal reaches the work', async () => {
    const outer = new AbortController();
    const work = withTimeout(
      10_000,
      outer.signal,
      (signal) => new Promise((_r, reject) => signal().addEventListener('abort', () => reject(new Error('stopped')))),
    );
    outer.abort();
    await expect(work).rejects.toThrow('stopped');
  });

  test('a signal first asked for after the outer abort is already aborted', async () => {
    const outer = new AbortController();
    outer.abort();
    await expect(withTimeout(10_000, outer.signal, async (signal) => signal().aborted)).resolves.toBe(true);
  });
});
