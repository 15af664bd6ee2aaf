import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { type Emulator, startEmulator } from '../index';
import { within } from '../testing/child-emulator';

/** Long enough for any answer on a loaded 2-core machine; a dispose() that waits on a stream never ends. */
const DISPOSE_MS = 5_000;

/** Far more than grpc-js and the emulator buffer between them: the server is still sending when the reader leaves. */
const LARGE = 3_000;
const SMALL = 5;

let emulator: Emulator;
let stream: Record<'large' | 'small', string>;

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, memory: true });
  stream = { large: `abandoned-${randomUUID()}`, small: `abandoned-${randomUUID()}` };
  const client = EventStoreDBClient.connectionString(emulator.connectionString);
  const padded = () => jsonEvent({ type: 'Tested', data: { padding: 'x'.repeat(200) } });
  for (let i = 0; i < LARGE; i += 500) await client.appendToStream(stream.large, Array.from({ length: 500 }, padded));
  await client.appendToStream(stream.small, Array.from({ length: SMALL }, padded));
  await client.dispose();
});
afterAll(async () => {
  await emulator.close();
});

/**
 * The client (6.2.1) keeps each gRPC call in `disposableStreams` until it finishes; `dispose()`
 * cancels them and waits for each to finish. Read here only to explain what dispose() waits on.
 */
const openCalls = (client: EventStoreDBClient): Readable[] => [
  ...(client as unknown as { disposableStreams: Set<Readable> }).disposableStreams,
];

describe('a read left early with break', () => {
  test.each([
    ['readStream', (c: EventStoreDBClient) => c.readStream(stream.large)],
    ['readAll', (c: EventStoreDBClient) => c.readAll()],
  ])('%s while the server is still sending: dispose() cancels the call and resolves', async (_name, read) => {
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    let seen = 0;
    for await (const _event of read(client)) if (++seen === 1) break;
    expect(openCalls(client)).toHaveLength(1);
    await within(DISPOSE_MS, 'client.dispose()', client.dispose());
    expect(openCalls(client)).toHaveLength(0);
  });

  test('that the server had already ended: the client holds the unread rest, and dispose() waits for it (client behaviour)', async () => {
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    const [call] = await (async () => {
      for await (const _event of client.readStream(stream.small)) break;
      return openCalls(client);
    })();
    // The server sent every event and ended the call with OK (grpc-js pushed the end of stream), but
    // the client's ReadStream was destroyed without reading the rest: a paused stream with buffered
    // messages never emits 'end', cancelling a call that already has its status does nothing, and
    // dispose() waits for 'end'. EventStoreDB ends a short read the same way, so it hangs there too.
    expect(call).toBeDefined();
    const ended = () => (call as unknown as { _readableState: { ended: boolean } })._readableState.ended;
    for (let i = 0; i < 250 && !ended(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(ended()).toBe(true);
    expect(call!.readableLength).toBeGreaterThan(0);
    // Reading the rest is all dispose() was waiting for.
    call!.resume();
    await within(DISPOSE_MS, 'client.dispose()', client.dispose());
  });

  test('a catch-up subscription left with break, never unsubscribed: dispose() cancels it and resolves', async () => {
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    for await (const _event of client.subscribeToStream(stream.small)) break;
    await within(DISPOSE_MS, 'client.dispose()', client.dispose());
    expect(openCalls(client)).toHaveLength(0);
  });

  test('the safe pattern: bound the read with maxCount and let the loop run to its end', async () => {
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    const first = [];
    for await (const event of client.readStream(stream.small, { maxCount: 1 })) first.push(event);
    expect(first).toHaveLength(1);
    await within(DISPOSE_MS, 'client.dispose()', client.dispose());
  });
});
