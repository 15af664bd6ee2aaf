import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openFileStore } from './file-store';
import { createMemoryStore } from './memory-store';
import type { ProposedEvent, RecordedEvent, Store } from './store';

// The durable store keeps events in the file behind a small cache here: every read must
// answer exactly what the in-memory store answers for the same appends.
const CACHE_BYTES = 16 * 1024;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-bodies-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const proposed = (n: number, size: number): ProposedEvent => ({
  id: randomUUID(),
  type: `Type${n % 7}`,
  contentType: 'application/json',
  data: Buffer.from(JSON.stringify({ n, pad: 'p'.repeat(size) })),
  metadata: Buffer.from(JSON.stringify({ m: n })),
});

/** `afterEach` runs after every append to all the stores (reads of what was just written). */
async function writeSame(stores: readonly Store[], afterEach: (stream: string) => void = () => {}): Promise<void> {
  for (let n = 0; n < 400; n++) {
    // Sizes up to 200 KiB: some entries are larger than a cached block (64 KiB).
    const events = [proposed(n, n % 50 === 0 ? 200_000 : n % 300)];
    const stream = `s-${n % 9}`;
    for (const store of stores) await store.append(stream, { kind: 'any' }, events);
    if (n === 200) for (const store of stores) await store.delete('s-3', { kind: 'any' });
    afterEach(stream);
  }
}

/** An event as compared: its data as a digest (short failure diffs), the store's own random ids left out. */
const view = (e: RecordedEvent) => ({
  ...e,
  data: createHash('sha1').update(e.data).digest('hex'),
  id: e.streamId.startsWith('$') ? 'generated' : e.id,
});

function everything(store: Store) {
  const streams = Array.from({ length: 9 }, (_, i) => `s-${i}`);
  return {
    allForwards: store.readAll(0n, 'forwards', 10_000n).map(view),
    allBackwards: store.readAll(store.headPosition(), 'backwards', 10_000n).map(view),
    streams: streams.map((s) => [
      store.readStream(s, 0n, 'forwards', 10_000n).map(view),
      store.readStream(s, 10_000n, 'backwards', 10_000n).map(view),
      store.streamState(s),
    ]),
    metastream: store.readStream('$$s-3', 0n, 'forwards', 10n).map(view),
  };
}

test('reads through a cache far smaller than the log answer what the in-memory store answers, before and after a restart', async () => {
  // One clock for both, so that `created` agrees.
  const now = () => 1_796_000_000_000;
  const memory = createMemoryStore({ now });
  const first = await openFileStore(dir, { cacheBytes: CACHE_BYTES, recentEvents: 0, now });
  await writeSame([memory, first.store]);
  const expected = everything(memory);
  expect(expected.allForwards).toHaveLength(402);
  expect(everything(first.store)).toEqual(expected);
  await first.store.close();

  const second = await openFileStore(dir, { cacheBytes: CACHE_BYTES, recentEvents: 0, now });
  expect(everything(second.store)).toEqual(expected);
  // Old events, read again at random, still come back whole.
  for (const i of [0, 401, 17, 250, 50, 3]) {
    expect(second.store.readAll(expected.allForwards[i]!.position, 'forwards', 1n).map(view)).toEqual([expected.allForwards[i]]);
  }
  // A re-append of a recent event id is still recognised after the restart (the ids are indexed, the event read back).
  const last = expected.allForwards.filter((e) => e.streamId === 's-0').at(-1)!;
  const again = await second.store.append(last.streamId, { kind: 'any' }, [
    { id: last.id, type: last.type, contentType: last.contentType, data: Buffer.from('{}'), metadata: last.metadata },
  ]);
  expect(again).toEqual({ kind: 'success', nextRevision: last.revision, position: last.position });
  await second.store.close();
  await memory.close();
});

test('events read back right after their append (copied into the cache as they become durable) are whole, with a cache of a few blocks', async () => {
  const now = () => 1_796_000_000_000;
  const memory = createMemoryStore({ now });
  const file = await openFileStore(dir, { cacheBytes: 4 * 64 * 1024, recentEvents: 0, now });
  const lastOf = (store: Store, stream: string) => store.readStream(stream, BigInt(Number.MAX_SAFE_INTEGER), 'backwards', 3n).map(view);
  let checked = 0;
  await writeSame([memory, file.store], (stream) => {
    expect(lastOf(file.store, stream)).toEqual(lastOf(memory, stream));
    expect(file.store.readAll(file.store.headPosition(), 'backwards', 5n).map(view)).toEqual(
      memory.readAll(memory.headPosition(), 'backwards', 5n).map(view),
    );
    checked++;
  });
  expect(checked).toBe(400);
  expect(everything(file.store)).toEqual(everything(memory));
  await file.store.close();
  await memory.close();
});

test('reads across the edge of the recent tail (the newest durable events, kept decoded) answer what the in-memory store answers', async () => {
  const now = () => 1_796_000_000_000;
  const memory = createMemoryStore({ now });
  const file = await openFileStore(dir, { cacheBytes: 4 * 64 * 1024, recentEvents: 7, now });
  const lastOf = (store: Store, stream: string) => store.readStream(stream, BigInt(Number.MAX_SAFE_INTEGER), 'backwards', 4n).map(view);
  const allBackwards = (store: Store) => store.readAll(store.headPosition(), 'backwards', 12n).map(view);
  await writeSame([memory, file.store], (stream) => {
    expect(lastOf(file.store, stream)).toEqual(lastOf(memory, stream));
    expect(allBackwards(file.store)).toEqual(allBackwards(memory));
  });
  expect(everything(file.store)).toEqual(everything(memory));
  await file.store.close();
  await memory.close();
});

test('a recent event is decoded once: every reader of it gets the same object', async () => {
  const file = await openFileStore(dir);
  await file.store.append('s-0', { kind: 'no_stream' }, [proposed(0, 10), proposed(1, 10)]);
  const [first] = file.store.readAll(0n, 'forwards', 1n);
  const [again] = file.store.readStream('s-0', 0n, 'forwards', 1n);
  expect(again).toBe(first);
  await file.store.close();
});
