import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOG_FILE } from './file-journal';
import { openFileStore } from './file-store';
import { RecordTooLargeError } from './record-limits';
import type { ProposedEvent } from './store';

const event = (n: number): ProposedEvent => ({
  id: randomUUID(),
  type: 'Numbered',
  contentType: 'application/json',
  data: Buffer.from(JSON.stringify({ n })),
  metadata: Buffer.from('{"m":1}'),
});

describe('durable log', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-log-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads back every event, with the same positions, after a restart', async () => {
    const first = await openFileStore(dir);
    await Promise.all([
      first.store.append('a', { kind: 'any' }, [event(1), event(2)]),
      first.store.append('b', { kind: 'any' }, [event(3)]),
    ]);
    await first.store.delete('b', { kind: 'any' });
    const before = first.store.readAll(0n, 'forwards', 100n);
    await first.store.close();

    const second = await openFileStore(dir);
    expect(second.truncated).toBe(0);
    expect(second.store.readAll(0n, 'forwards', 100n)).toEqual(before);
    expect(second.store.streamState('b').lastRevision).toBeUndefined();
    expect(await second.store.append('a', { kind: 'revision', revision: 1n }, [event(4)])).toMatchObject({ nextRevision: 2n });
    await second.store.close();
  });

  it('cuts a torn tail and keeps every whole record', async () => {
    const first = await openFileStore(dir);
    for (let i = 0; i < 5; i++) await first.store.append('s', { kind: 'any' }, [event(i)]);
    await first.store.close();
    const file = path.join(dir, LOG_FILE);
    fs.truncateSync(file, fs.statSync(file).size - 3);

    const second = await openFileStore(dir);
    expect(second.truncated).toBeGreaterThan(0);
    expect(second.store.readStream('s', 0n, 'forwards', 10n).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
    expect(await second.store.append('s', { kind: 'revision', revision: 3n }, [event(9)])).toMatchObject({ nextRevision: 4n });
    await second.store.close();
    const third = await openFileStore(dir);
    expect(third.truncated).toBe(0);
    expect(third.store.readStream('s', 0n, 'forwards', 10n)).toHaveLength(5);
    await third.store.close();
  });

  it('a write the log cannot hold fails alone, changes nothing, and later appends go on', async () => {
    const { store } = await openFileStore(dir);
    const long = 'x'.repeat(0xffff);
    await store.append(long, { kind: 'any' }, [event(1)]);
    // Soft delete writes `$$<stream>`: two bytes over the log's name field.
    await expect(store.delete(long, { kind: 'any' })).rejects.toThrow(RecordTooLargeError);
    await expect(store.append(`${long}y`, { kind: 'any' }, [event(2)])).rejects.toThrow(RecordTooLargeError);
    await expect(store.append('t', { kind: 'any' }, [{ ...event(3), type: 'T'.repeat(0x10000) }])).rejects.toThrow(
      /event type is 65536 bytes/,
    );
    expect(await store.append('after', { kind: 'no_stream' }, [event(4)])).toMatchObject({ kind: 'success', nextRevision: 0n });
    expect(store.streamState(long)).toEqual({ lastRevision: 0n, tombstoned: false });
    await store.close();
    const reopened = await openFileStore(dir);
    expect(reopened.store.readAll(0n, 'forwards', 10n).map((e) => e.streamId.slice(0, 5))).toEqual(['xxxxx', 'after']);
    await reopened.store.close();
  });

  it('refuses a data folder another live process holds', async () => {
    const first = await openFileStore(dir);
    await expect(openFileStore(dir)).rejects.toThrow(/in use/);
    await first.store.close();
  });
});
