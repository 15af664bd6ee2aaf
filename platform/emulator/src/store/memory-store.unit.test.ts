import { randomUUID } from 'node:crypto';
import { createMemoryStore } from './memory-store';
import type { ProposedEvent, RecordedEvent } from './store';

const event = (type = 'Happened', id: string = randomUUID()): ProposedEvent => ({
  id,
  type,
  contentType: 'application/json',
  data: Buffer.from('{}'),
  metadata: new Uint8Array(0),
});

describe('in-memory store', () => {
  it('numbers events per stream and gives strictly increasing $all positions', async () => {
    const store = createMemoryStore();
    const a = await store.append('a', { kind: 'no_stream' }, [event(), event()]);
    const b = await store.append('b', { kind: 'any' }, [event()]);
    expect(a).toMatchObject({ kind: 'success', nextRevision: 1n });
    expect(b).toMatchObject({ kind: 'success', nextRevision: 0n });
    const all = store.readAll(0n, 'forwards', 10n);
    expect(all.map((e) => [e.streamId, e.revision])).toEqual([
      ['a', 0n],
      ['a', 1n],
      ['b', 0n],
    ]);
    expect(all[0]!.position < all[1]!.position && all[1]!.position < all[2]!.position).toBe(true);
    expect(a.kind === 'success' && a.position).toBe(all[1]!.position);
    expect(store.readAll(store.headPosition(), 'backwards', 1n)[0]!.streamId).toBe('b');
  });

  it('answers a repeated append with the original result', async () => {
    const store = createMemoryStore();
    const events = [event(), event()];
    const first = await store.append('s', { kind: 'no_stream' }, events);
    const again = await store.append('s', { kind: 'no_stream' }, events);
    const anyAgain = await store.append('s', { kind: 'any' }, events);
    expect(again).toEqual(first);
    expect(anyAgain).toEqual(first);
    expect(store.readStream('s', 0n, 'forwards', 10n)).toHaveLength(2);
  });

  it('recreates a soft-deleted stream with numbering continuing, and refuses a tombstoned one', async () => {
    const store = createMemoryStore();
    await store.append('s', { kind: 'no_stream' }, [event(), event()]);
    expect(await store.delete('s', { kind: 'revision', revision: 1n })).toMatchObject({ kind: 'success' });
    expect(store.streamState('s')).toEqual({ lastRevision: undefined, tombstoned: false });
    expect(await store.append('s', { kind: 'no_stream' }, [event()])).toMatchObject({ kind: 'success', nextRevision: 2n });
    expect(store.readStream('s', 0n, 'forwards', 10n).map((e: RecordedEvent) => e.revision)).toEqual([2n]);
    expect(await store.tombstone('s', { kind: 'any' })).toMatchObject({ kind: 'success' });
    expect(await store.append('s', { kind: 'any' }, [event()])).toEqual({ kind: 'stream_deleted' });
    expect(store.streamState('s').tombstoned).toBe(true);
  });

  it('honours $maxCount from the metastream', async () => {
    const store = createMemoryStore();
    await store.append('s', { kind: 'any' }, [event(), event(), event()]);
    await store.append('$$s', { kind: 'any' }, [{ ...event('$metadata'), data: Buffer.from('{"$maxCount":2}') }]);
    expect(store.readStream('s', 0n, 'forwards', 10n).map((e) => e.revision)).toEqual([1n, 2n]);
  });

  it('remembers recent ids for `any` appends within its budget, forgets the oldest past it, and keeps an id written again', async () => {
    const store = createMemoryStore();
    const first = event();
    const reused = event();
    await store.append('s', { kind: 'any' }, [first]);
    await store.append('s', { kind: 'any' }, [reused]);
    // An id written a second time (to another stream) belongs to its newer event from then on.
    await store.append('t', { kind: 'any' }, [reused]);
    expect(await store.append('t', { kind: 'any' }, [reused])).toMatchObject({ kind: 'success', nextRevision: 0n });
    // 8 MiB at 28 + 2 * 5 bytes per id of stream 'other': about 220,000 ids push the first out.
    for (let i = 0; i < 250; i++)
      await store.append(
        'other',
        { kind: 'any' },
        Array.from({ length: 1000 }, () => event()),
      );
    // Forgotten: the same id is a new event now, as on the server once its cache has moved on.
    expect(await store.append('s', { kind: 'any' }, [first])).toMatchObject({ kind: 'success', nextRevision: 2n });
    const recent = event();
    await store.append('s', { kind: 'any' }, [recent]);
    expect(await store.append('s', { kind: 'any' }, [recent])).toMatchObject({ kind: 'success', nextRevision: 3n });
  });

  it('writes emitted events to several streams in one record, recreates a soft-deleted one and refuses a tombstoned one', async () => {
    const store = createMemoryStore();
    await store.append('$ce-a', { kind: 'any' }, [event('$>')]);
    await store.append('$ce-gone', { kind: 'any' }, [event('$>')]);
    await store.delete('$ce-gone', { kind: 'any' });
    const seen: RecordedEvent[][] = [];
    store.onAppended((events) => seen.push([...events]));
    await store.appendEmitted(
      new Map([
        ['$ce-a', [event('$>'), event('$>')]],
        ['$et-X', [event('$>')]],
        ['$ce-gone', [event('$>')]],
      ]),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]!.map((e) => [e.streamId, e.revision])).toEqual([
      ['$ce-a', 1n],
      ['$ce-a', 2n],
      ['$et-X', 0n],
      ['$ce-gone', 1n],
      ['$$$ce-gone', 1n],
    ]);
    expect(store.readStream('$ce-gone', 0n, 'forwards', 10n).map((e) => e.revision)).toEqual([1n]);
    await store.tombstone('$et-X', { kind: 'any' });
    await expect(
      store.appendEmitted(
        new Map([
          ['$ce-a', [event('$>')]],
          ['$et-X', [event('$>')]],
        ]),
      ),
    ).rejects.toThrow('writing $et-X: stream_deleted');
    expect(store.streamState('$ce-a').lastRevision).toBe(2n);
  });
});
