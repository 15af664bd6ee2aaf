import { randomUUID } from 'node:crypto';
import {
  END,
  type EventStoreDBClient,
  jsonEvent,
  type ResolvedEvent,
  START,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import type { Emulator } from '../index';
import { useMemoryEmulator } from '../testing/memory-emulator';

let emulator: Emulator;
let client: EventStoreDBClient;
useMemoryEmulator((started) => ({ emulator, client } = started));

const stream = (prefix: string) => `${prefix}-${randomUUID()}`;
const numbered = (n: number) => jsonEvent({ type: 'Numbered', data: { n } });

async function revisions(name: string): Promise<bigint[]> {
  const out: bigint[] = [];
  for await (const e of client.readStream(name)) out.push(e.event!.revision);
  return out;
}

async function readAllOf(name: string): Promise<ResolvedEvent[]> {
  const out: ResolvedEvent[] = [];
  for await (const e of client.readAll({ fromPosition: START })) if (e.event?.streamId === name) out.push(e);
  return out;
}

describe('soft delete', () => {
  test('hides the stream until it is written again, and numbering continues', async () => {
    const name = stream('soft');
    await client.appendToStream(name, [numbered(0), numbered(1)]);
    const deleted = await client.deleteStream(name, { expectedRevision: 1n });
    expect(deleted.position).toBeDefined();
    await expect(revisions(name)).rejects.toBeInstanceOf(StreamNotFoundError);

    const revived = await client.appendToStream(name, [numbered(2), numbered(3)], { expectedRevision: 'no_stream' });
    expect(revived.nextExpectedRevision).toBe(3n);
    expect(await revisions(name)).toEqual([2n, 3n]);
    // EventStoreDB's SoftUndeleteStream: $tb moves to the first new revision.
    const meta = await client.getStreamMetadata(name);
    expect(meta.metadata?.truncateBefore).toBe(2);
  });

  test('with the wrong expected revision is refused with the current one', async () => {
    const name = stream('soft-wev');
    await client.appendToStream(name, [numbered(0), numbered(1)]);
    const error = await client.deleteStream(name, { expectedRevision: 0n }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect((error as WrongExpectedVersionError).actualVersion).toBe(1n);
    expect(await revisions(name)).toEqual([0n, 1n]);
  });

  test('of a stream that never existed is a wrong expected version', async () => {
    await expect(client.deleteStream(stream('never'))).rejects.toBeInstanceOf(WrongExpectedVersionError);
  });
});

describe('tombstone', () => {
  test('is permanent: reads, appends and deletes fail with StreamDeleted', async () => {
    const name = stream('tomb');
    await client.appendToStream(name, numbered(0));
    await client.tombstoneStream(name);
    await expect(revisions(name)).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(client.appendToStream(name, numbered(1))).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(client.appendToStream(name, numbered(1), { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(client.deleteStream(name)).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(client.tombstoneStream(name)).rejects.toBeInstanceOf(StreamDeletedError);
  });

  test('writes a $streamDeleted event to $all', async () => {
    const name = stream('tomb-all');
    await client.appendToStream(name, numbered(0));
    await client.tombstoneStream(name);
    const events = await readAllOf(name);
    expect(events.map((e) => e.event?.type)).toEqual(['Numbered', '$streamDeleted']);
    expect(events[1]?.event?.revision).toBe(9223372036854775807n);
  });

  test('of a stream at another revision is refused', async () => {
    const name = stream('tomb-wev');
    await client.appendToStream(name, [numbered(0), numbered(1)]);
    await expect(client.tombstoneStream(name, { expectedRevision: 0n })).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(await revisions(name)).toEqual([0n, 1n]);
  });
});

describe('metadata', () => {
  test('round-trips through $$<stream>, custom properties included', async () => {
    const name = stream('meta');
    await client.setStreamMetadata(name, { maxCount: 10, maxAge: 3600, custom: 'kept' } as never);
    const read = await client.getStreamMetadata(name);
    expect(read.metadata).toMatchObject({ maxCount: 10, maxAge: 3600, custom: 'kept' });
  });

  test('$maxCount keeps only the last events', async () => {
    const name = stream('maxcount');
    await client.appendToStream(name, [0, 1, 2, 3, 4].map(numbered));
    await client.setStreamMetadata(name, { maxCount: 2 });
    expect(await revisions(name)).toEqual([3n, 4n]);
    const backwards: bigint[] = [];
    for await (const e of client.readStream(name, { direction: 'backwards', fromRevision: END })) backwards.push(e.event!.revision);
    expect(backwards).toEqual([4n, 3n]);
    // Truncated events stay in $all until a scavenge, as in EventStoreDB.
    expect((await readAllOf(name)).filter((e) => e.event?.type === 'Numbered')).toHaveLength(5);
  });

  test('$tb hides revisions before it', async () => {
    const name = stream('tb');
    await client.appendToStream(name, [0, 1, 2, 3].map(numbered));
    await client.setStreamMetadata(name, { truncateBefore: 3 });
    expect(await revisions(name)).toEqual([3n]);
  });

  test('$maxAge hides events older than it', async () => {
    const name = stream('maxage');
    await client.appendToStream(name, numbered(0));
    await client.setStreamMetadata(name, { maxAge: 1 });
    expect(await revisions(name)).toEqual([0n]);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await revisions(name)).toEqual([]);
  });

  test('the metastream itself keeps only its last event', async () => {
    const name = stream('metastream');
    await client.setStreamMetadata(name, { maxCount: 1 });
    await client.setStreamMetadata(name, { maxCount: 2 });
    const events: ResolvedEvent[] = [];
    for await (const e of client.readStream(`$$${name}`)) events.push(e);
    expect(events.map((e) => e.event?.revision)).toEqual([1n]);
  });
});
