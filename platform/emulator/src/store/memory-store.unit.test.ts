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
});
