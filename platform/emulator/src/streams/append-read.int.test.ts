import { randomUUID } from 'node:crypto';
import {
  type AppendExpectedRevision,
  BACKWARDS,
  binaryEvent,
  END,
  type EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  MaxAppendSizeExceededError,
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
const numbered = (n: number, id: string = randomUUID()) => jsonEvent({ id, type: 'Numbered', data: { n } });

async function collect(iterable: AsyncIterable<ResolvedEvent>): Promise<ResolvedEvent[]> {
  const out: ResolvedEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

const revisions = (events: ResolvedEvent[]) => events.map((e) => e.event?.revision);

describe('append and read a stream', () => {
  const name = stream('ar');
  beforeAll(async () => {
    await client.appendToStream(
      name,
      [0, 1, 2, 3, 4].map((n) => numbered(n)),
      { expectedRevision: 'no_stream' },
    );
  });

  test.each([
    ['forwards from start', { direction: FORWARDS, fromRevision: START }, [0n, 1n, 2n, 3n, 4n]],
    ['forwards from revision 2', { direction: FORWARDS, fromRevision: 2n }, [2n, 3n, 4n]],
    ['forwards from end', { direction: FORWARDS, fromRevision: END }, []],
    ['forwards, max 2', { direction: FORWARDS, fromRevision: START, maxCount: 2 }, [0n, 1n]],
    ['backwards from end', { direction: BACKWARDS, fromRevision: END }, [4n, 3n, 2n, 1n, 0n]],
    ['backwards from revision 2', { direction: BACKWARDS, fromRevision: 2n }, [2n, 1n, 0n]],
    ['backwards from start', { direction: BACKWARDS, fromRevision: START }, [0n]],
    ['backwards from end, max 1', { direction: BACKWARDS, fromRevision: END, maxCount: 1 }, [4n]],
    ['forwards from a revision past the end', { direction: FORWARDS, fromRevision: 99n }, []],
  ] as const)('%s', async (_name, options, expected) => {
    expect(revisions(await collect(client.readStream(name, options)))).toEqual(expected);
  });

  test('events come back as written, JSON and binary', async () => {
    const binary = stream('bin');
    const data = Uint8Array.from([0, 1, 2, 255]);
    await client.appendToStream(binary, [
      jsonEvent({ type: 'J', data: { hello: 'world' }, metadata: { m: 1 } }),
      { id: randomUUID(), type: 'B', contentType: 'application/octet-stream', data, metadata: undefined },
    ] as Parameters<typeof client.appendToStream>[1]);
    const [json, bin] = await collect(client.readStream(binary));
    expect(json?.event).toMatchObject({ streamId: binary, type: 'J', data: { hello: 'world' }, metadata: { m: 1 }, isJson: true });
    expect(bin?.event).toMatchObject({ type: 'B', isJson: false });
    expect(Buffer.from(bin?.event?.data as Uint8Array)).toEqual(Buffer.from(data));
    expect(Math.abs((json?.event?.created.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  test('reading a stream that was never written is StreamNotFound', async () => {
    await expect(collect(client.readStream(stream('absent')))).rejects.toBeInstanceOf(StreamNotFoundError);
  });
});

describe('links', () => {
  // A `$>` event's data is `<revision>@<stream>`; resolveLinkTos sends the event it points to.
  test.each([
    ['resolved when asked', true, '0@', ['Numbered', '$>']],
    ['left alone otherwise', false, '0@', ['$>', undefined]],
    ['a dangling link keeps only the link', true, '7@', [undefined, '$>']],
  ] as const)('are %s', async (_label, resolveLinkTos, revision, [eventType, linkType]) => {
    const target = stream('target');
    const links = stream('links');
    await client.appendToStream(target, numbered(0));
    await client.appendToStream(links, binaryEvent({ type: '$>', data: Buffer.from(`${revision}${target}`) }));
    const [read] = await collect(client.readStream(links, { resolveLinkTos }));
    expect([read?.event?.type, read?.link?.type]).toEqual([eventType, linkType]);
    if (eventType === 'Numbered') expect(read?.event?.streamId).toBe(target);
  });
});

describe('$all', () => {
  test('positions strictly increase and an append returns the position read back', async () => {
    const name = stream('pos');
    const result = await client.appendToStream(name, [numbered(0), numbered(1)]);
    const read = await collect(client.readStream(name));
    expect(result.position).toEqual(read[1]?.event?.position);
    const all = await collect(client.readAll({ fromPosition: START }));
    const positions = all.map((e) => e.event!.position!.commit);
    for (let i = 1; i < positions.length; i++) expect(positions[i]! > positions[i - 1]!).toBe(true);
    expect(all.map((e) => e.event?.id)).toEqual(expect.arrayContaining(read.map((e) => e.event?.id)));
  });

  test('reads forwards from a position (inclusive) and backwards from the end', async () => {
    const name = stream('allread');
    const first = await client.appendToStream(name, numbered(0));
    await client.appendToStream(name, numbered(1));
    // The system projections write links ($-streams) behind every append, so look past them.
    const own = (events: ResolvedEvent[]) => events.filter((e) => !e.event?.streamId.startsWith('$'));
    const from = own(await collect(client.readAll({ fromPosition: first.position!, maxCount: 20 })));
    expect(from.map((e) => [e.event?.streamId, e.event?.revision])).toEqual([
      [name, 0n],
      [name, 1n],
    ]);
    const last = own(await collect(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 20 })));
    expect([last[0]?.event?.streamId, last[0]?.event?.revision]).toEqual([name, 1n]);
    const before = own(await collect(client.readAll({ direction: BACKWARDS, fromPosition: from[1]!.event!.position!, maxCount: 20 })));
    expect(before[0]?.event?.id).toBe(from[0]?.event?.id);
  });

  test.each([
    ['forwards from the end', { direction: FORWARDS, fromPosition: END }],
    ['backwards from the start', { direction: BACKWARDS, fromPosition: START }],
  ] as const)('reading %s returns nothing', async (_label, options) => {
    await client.appendToStream(stream('edge'), numbered(0));
    expect(await collect(client.readAll({ ...options, maxCount: 10 }))).toEqual([]);
  });

  test('reads forwards from the start in log order', async () => {
    const name = stream('fromstart');
    await client.appendToStream(name, [numbered(0), numbered(1)]);
    const all = await collect(client.readAll({ fromPosition: START }));
    expect(all.filter((e) => e.event?.streamId === name).map((e) => e.event?.revision)).toEqual([0n, 1n]);
    expect(all.length).toBeGreaterThan(2);
  });

  test('system events such as $metadata appear in $all', async () => {
    const name = stream('sys');
    await client.setStreamMetadata(name, { maxCount: 5 });
    // Generous: the system projections write links for the other tests' appends behind them.
    const all = await collect(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1_000 }));
    expect(all.find((e) => e.event?.streamId === `$$${name}`)?.event?.type).toBe('$metadata');
  });
});

type Setup = 'absent' | 'two events' | 'soft-deleted' | 'tombstoned';
type Outcome = { next: bigint } | { wrong: bigint | 'no_stream' } | 'deleted';

async function prepare(setup: Setup): Promise<string> {
  const name = stream('matrix');
  if (setup === 'absent') return name;
  await client.appendToStream(name, [numbered(0), numbered(1)]);
  if (setup === 'soft-deleted') await client.deleteStream(name);
  if (setup === 'tombstoned') await client.tombstoneStream(name);
  return name;
}

describe('expected revision', () => {
  // EventStoreDB's IndexWriter.CheckCommit decides each row; a soft-deleted stream keeps its
  // last revision (1) for the check, and NoStream recreates it.
  test.each<[Setup, AppendExpectedRevision, Outcome]>([
    ['absent', 'any', { next: 0n }],
    ['absent', 'no_stream', { next: 0n }],
    ['absent', 'stream_exists', { wrong: 'no_stream' }],
    ['absent', 0n, { wrong: 'no_stream' }],
    ['two events', 'any', { next: 2n }],
    ['two events', 'no_stream', { wrong: 1n }],
    ['two events', 'stream_exists', { next: 2n }],
    ['two events', 1n, { next: 2n }],
    ['two events', 0n, { wrong: 1n }],
    ['two events', 5n, { wrong: 1n }],
    ['soft-deleted', 'any', { next: 2n }],
    ['soft-deleted', 'no_stream', { next: 2n }],
    ['soft-deleted', 1n, { next: 2n }],
    ['soft-deleted', 'stream_exists', 'deleted'],
    ['soft-deleted', 0n, { wrong: 1n }],
    ['tombstoned', 'any', 'deleted'],
    ['tombstoned', 'no_stream', 'deleted'],
    ['tombstoned', 1n, 'deleted'],
  ])('%s stream, expected %s', async (setup, expectedRevision, outcome) => {
    const name = await prepare(setup);
    const append = client.appendToStream(name, numbered(9), { expectedRevision });
    if (outcome === 'deleted') {
      await expect(append).rejects.toBeInstanceOf(StreamDeletedError);
    } else if ('wrong' in outcome) {
      const error = await append.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect((error as WrongExpectedVersionError).actualVersion).toBe(outcome.wrong);
      expect((error as WrongExpectedVersionError).streamName).toBe(name);
    } else {
      expect((await append).nextExpectedRevision).toBe(outcome.next);
    }
  });

  test('the single-call Append path (used with per-call credentials) answers the same way', async () => {
    const name = stream('unary');
    // Per-call credentials make the client use Streams.Append instead of BatchAppend.
    const credentials = { username: 'admin', password: 'changeit' };
    await client.appendToStream(name, numbered(0), { expectedRevision: 'no_stream', credentials });
    await expect(client.appendToStream(name, numbered(1), { expectedRevision: 'no_stream', credentials })).rejects.toMatchObject({
      actualVersion: 0n,
    });
    const next = await client.appendToStream(name, numbered(1), { expectedRevision: 0n, credentials });
    expect(next.nextExpectedRevision).toBe(1n);
  });
});

describe('idempotent appends', () => {
  test.each<[string, AppendExpectedRevision]>([
    ['the exact revision', 0n],
    ['any', 'any'],
    ['stream_exists', 'stream_exists'],
  ])('re-appending the same ids with %s returns the original result', async (_label, expectedRevision) => {
    const name = stream('idem');
    await client.appendToStream(name, numbered(0));
    const events = [numbered(1), numbered(2)];
    const first = await client.appendToStream(name, events, { expectedRevision });
    const again = await client.appendToStream(name, events, { expectedRevision });
    expect(again).toEqual(first);
    expect(revisions(await collect(client.readStream(name)))).toEqual([0n, 1n, 2n]);
  });

  test('no_stream re-append of the first events of a stream is idempotent', async () => {
    const name = stream('idem-ns');
    const events = [numbered(0), numbered(1)];
    const first = await client.appendToStream(name, events, { expectedRevision: 'no_stream' });
    const again = await client.appendToStream(name, events, { expectedRevision: 'no_stream' });
    expect(again).toEqual(first);
    expect(revisions(await collect(client.readStream(name)))).toEqual([0n, 1n]);
  });

  test('a partial overlap is a conflict, not a duplicate', async () => {
    const name = stream('idem-partial');
    const [a, b] = [numbered(0), numbered(1)];
    await client.appendToStream(name, [a, b], { expectedRevision: 'no_stream' });
    await expect(client.appendToStream(name, [a, numbered(2)], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    expect(revisions(await collect(client.readStream(name)))).toEqual([0n, 1n]);
  });
});

describe('limits and bad input', () => {
  test('an append over 1 MiB fails with MaximumAppendSizeExceeded and writes nothing', async () => {
    const name = stream('big');
    const big = jsonEvent({ type: 'Big', data: { blob: 'x'.repeat(1024 * 1024) } });
    const error = await client.appendToStream(name, big).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MaxAppendSizeExceededError);
    expect((error as MaxAppendSizeExceededError).maxAppendSize).toBe(1024 * 1024);
    await expect(collect(client.readStream(name))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  test('the single-call Append path enforces the limit too', async () => {
    const name = stream('big-unary');
    const big = jsonEvent({ type: 'Big', data: { blob: 'x'.repeat(1024 * 1024) } });
    await expect(client.appendToStream(name, big, { credentials: { username: 'a', password: 'b' } })).rejects.toBeInstanceOf(
      MaxAppendSizeExceededError,
    );
    await expect(collect(client.readStream(name))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  test('a non-UUID event id is refused by name, and nothing of the batch is written', async () => {
    const name = stream('baduuid');
    const events = [numbered(0), jsonEvent({ id: 'not-a-uuid', type: 'X', data: {} })];
    // Over BatchAppend the message travels in a BadRequest detail, which this client reports
    // only as "Could not recognize BadRequest" (as with the real server); Append shows it.
    await expect(client.appendToStream(name, events)).rejects.toThrow(/BadRequest/);
    await expect(client.appendToStream(name, events, { credentials: { username: 'a', password: 'b' } })).rejects.toThrow(
      /'not-a-uuid' is not a valid UUID/,
    );
    await expect(collect(client.readStream(name))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  test('an empty stream name is refused by name', async () => {
    await expect(collect(client.readStream(''))).rejects.toThrow(/stream name is empty/);
    await expect(client.appendToStream('', numbered(0), { credentials: { username: 'a', password: 'b' } })).rejects.toThrow(
      /stream name is empty/,
    );
  });

  test('the emulator keeps serving after bad requests', async () => {
    const name = stream('after');
    await client.appendToStream(name, numbered(0));
    expect(revisions(await collect(client.readStream(name)))).toEqual([0n]);
  });
});
