import { randomUUID } from 'node:crypto';
import { createMemoryStore } from '../store/memory-store';
import type { Store } from '../store/store';
import { EventSource } from './event-source';

const encoder = new TextEncoder();

async function append(store: Store, stream: string, type: string, data = '{}'): Promise<void> {
  await store.append(stream, { kind: 'any' }, [
    { id: randomUUID(), type, contentType: 'application/json', data: encoder.encode(data), metadata: new Uint8Array() },
  ]);
}

describe('EventSource', () => {
  let store: Store;
  beforeEach(() => {
    store = createMemoryStore();
  });
  afterEach(() => store.close());

  test('a $all source with an event-type regex reads only matching events and reports the skipped tail', async () => {
    await append(store, 'a', 'OrderCreated');
    await append(store, 'b', 'StockReserved');
    await append(store, 'c', 'OrderCancelled');
    await append(store, 'd', 'Other');
    const source = new EventSource(store, '$all', { context: 'EventType', type: 'Regex', data: ['^Order'] }, false);
    const read = source.read(0n, 10);
    expect(read.events.map((e) => e.original.type)).toEqual(['OrderCreated', 'OrderCancelled']);
    expect(read.endOfSource).toBe(true);
    expect(read.skippedAfterLast).toBe(1);
  });

  test('a $all source with stream prefixes, reading in small batches, resumes where it stopped', async () => {
    for (let i = 0; i < 5; i++) await append(store, `in-${i}`, 'E');
    await append(store, 'out', 'E');
    const source = new EventSource(store, '$all', { context: 'StreamId', type: 'Prefix', data: ['in-'] }, false);
    const first = source.read(0n, 3);
    const second = source.read(first.next, 3);
    expect([...first.events, ...second.events].map((e) => e.original.streamId)).toEqual(['in-0', 'in-1', 'in-2', 'in-3', 'in-4']);
    expect(first.endOfSource).toBe(false);
    expect(second.endOfSource).toBe(true);
  });

  test('resolveLinkTos resolves `N@stream` links; a link to a missing event keeps only the link', async () => {
    await append(store, 'target', 'Thing');
    await store.append('links', { kind: 'any' }, [
      {
        id: randomUUID(),
        type: '$>',
        contentType: 'application/octet-stream',
        data: encoder.encode('0@target'),
        metadata: new Uint8Array(),
      },
      {
        id: randomUUID(),
        type: '$>',
        contentType: 'application/octet-stream',
        data: encoder.encode('7@target'),
        metadata: new Uint8Array(),
      },
    ]);
    const [resolved, dangling] = new EventSource(store, 'links', undefined, true).read(0n, 10).events;
    expect(resolved!.event!.streamId).toBe('target');
    expect(resolved!.link!.streamId).toBe('links');
    expect(dangling!.event).toBeUndefined();
    expect(dangling!.link!.type).toBe('$>');
    const [unresolved] = new EventSource(store, 'links', undefined, false).read(0n, 1).events;
    expect(unresolved!.event!.type).toBe('$>');
    expect(unresolved!.link).toBeUndefined();
  });

  test('checkpoints and parked links of any group (and their metadata) do not count as skipped; other filtered-out events do', async () => {
    const source = new EventSource(store, '$all', { context: 'StreamId', type: 'Prefix', data: ['in-'] }, false);
    for (const stream of [
      '$persistentsubscription-$all::g-checkpoint',
      '$persistentsubscription-orders::g-checkpoint',
      '$$$persistentsubscription-$all::g-checkpoint',
      '$persistentsubscription-$all::g-parked',
      '$$$persistentsubscription-orders::g-parked',
    ])
      await append(store, stream, '$SubscriptionCheckpoint');
    expect(source.read(0n, 10).skippedAfterLast).toBe(0);
    await append(store, 'out', 'E');
    await append(store, '$persistentsubscription-$all::g-checkpoint', '$SubscriptionCheckpoint');
    const read = source.read(0n, 10);
    expect(read.skippedAfterLast).toBe(1);
    expect(read.lastScanned).toBe(store.readStream('out', 0n, 'forwards', 1n)[0]!.position);
  });
});
