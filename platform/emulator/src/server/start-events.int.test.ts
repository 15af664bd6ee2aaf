import {
  binaryEvent,
  EventStoreDBClient,
  jsonEvent,
  MaxAppendSizeExceededError,
  persistentSubscriptionToAllSettingsFromDefaults,
  type ResolvedEvent,
  START,
  streamNameFilter,
} from '@eventstore/db-client';
import { STORAGE_MODES, type TestStorage } from '../testing/storage-modes';
import { type Emulator, startEmulator } from './start-emulator';

async function readAllFromStart(client: EventStoreDBClient, maxCount = 100): Promise<ResolvedEvent[]> {
  const out: ResolvedEvent[] = [];
  for await (const e of client.readAll({ fromPosition: START, maxCount })) out.push(e);
  return out;
}

const json = (e: ResolvedEvent) => e.event?.data as Record<string, unknown>;

describe.each(STORAGE_MODES)('a fresh emulator looks like a fresh single node (%s)', (mode, storageOf) => {
  let storage: TestStorage;
  beforeEach(() => {
    storage = storageOf();
  });
  afterEach(() => storage.remove());

  test('$all starts with the epoch information and the $scavenges metadata, before any user event', async () => {
    const emulator = await startEmulator({ ...storage.options, port: 0 });
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    try {
      const fresh = await readAllFromStart(client);
      expect(fresh.map((e) => `${e.event?.streamId}/${e.event?.type}`)).toEqual([
        '$epoch-information/$epoch-information',
        '$$$scavenges/$metadata',
      ]);
      expect(json(fresh[0]!)).toMatchObject({ epochNumber: 0, prevEpochPosition: -1 });
      // As on the server, the epoch (a record of its own there) starts where the epoch information is written.
      expect(json(fresh[0]!)['epochPosition']).toBeLessThanOrEqual(Number(fresh[0]!.event!.position!.commit));
      expect(json(fresh[0]!)['leaderInstanceId']).toMatch(/^[0-9a-f-]{36}$/);
      expect(json(fresh[1]!)).toEqual({ $maxAge: 2_592_000 });

      // "The first event of $all" is a valid start position, and user events come after it.
      await client.appendToStream('first-1', jsonEvent({ type: 'Happened', data: {} }));
      const all = await readAllFromStart(client);
      const userIndex = all.findIndex((e) => e.event?.streamId === 'first-1');
      expect(userIndex).toBeGreaterThan(1);
      const after: ResolvedEvent[] = [];
      for await (const e of client.readAll({ fromPosition: all[0]!.event!.position!, maxCount: 100 })) after.push(e);
      // The system projections may have written links since: compare what both reads saw.
      expect(after.slice(0, all.length).map((e) => e.event?.id)).toEqual(all.map((e) => e.event?.id));
    } finally {
      await client.dispose();
      await emulator.close();
    }
  });

  // Only a durable node starts more than once on the same log.
  if (mode === 'durable') {
    test('each start writes a new epoch; the $scavenges metadata only once', async () => {
      const dataDir = storage.options.dataDir!;
      for (let start = 0; start < 2; start++) {
        const emulator = await startEmulator({ dataDir, port: 0 });
        await emulator.close();
      }
      const emulator = await startEmulator({ dataDir, port: 0 });
      const client = EventStoreDBClient.connectionString(emulator.connectionString);
      try {
        const epochs: ResolvedEvent[] = [];
        for await (const e of client.readStream('$epoch-information', { fromRevision: START })) epochs.push(e);
        expect(epochs.map((e) => json(e)['epochNumber'])).toEqual([0, 1, 2]);
        expect(json(epochs[1]!)['prevEpochPosition']).toBe(json(epochs[0]!)['epochPosition']);
        expect(json(epochs[2]!)['prevEpochPosition']).toBe(json(epochs[1]!)['epochPosition']);
        const scavenges = (await readAllFromStart(client)).filter((e) => e.event?.streamId === '$$$scavenges');
        expect(scavenges).toHaveLength(1);
      } finally {
        await client.dispose();
        await emulator.close();
      }
    });
  }

  test('a $all group filtered to user streams never sees the system events', async () => {
    const emulator = await startEmulator({ ...storage.options, port: 0 });
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    try {
      await client.createPersistentSubscriptionToAll('g', persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START }), {
        filter: streamNameFilter({ prefixes: ['shop-'] }),
      });
      await client.appendToStream('shop-1', jsonEvent({ type: 'Happened', data: {} }));
      const subscription = client.subscribeToPersistentSubscriptionToAll('g');
      const seen: string[] = [];
      for await (const e of subscription) {
        seen.push(e.event!.streamId);
        await subscription.ack(e);
        break;
      }
      await subscription.unsubscribe();
      expect(seen).toEqual(['shop-1']);
    } finally {
      await client.dispose();
      await emulator.close();
    }
  });
});

describe.each(STORAGE_MODES)('MaxAppendSize (%s)', (_mode, storageOf) => {
  let storage: TestStorage;
  let emulator: Emulator;
  let client: EventStoreDBClient;
  beforeAll(async () => {
    storage = storageOf();
    emulator = await startEmulator({ ...storage.options, port: 0, maxAppendSize: 1000 });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
  });
  afterAll(async () => {
    await client?.dispose();
    await emulator?.close();
    storage.remove();
  });

  test('an append over the configured limit fails with MaximumAppendSizeExceeded naming the limit', async () => {
    const big = jsonEvent({ type: 'Big', data: { text: 'x'.repeat(1200) } });
    const error = await client.appendToStream('size-1', big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaxAppendSizeExceededError);
    expect((error as MaxAppendSizeExceededError).maxAppendSize).toBe(1000);
    // Under the limit, the same stream takes an append.
    await expect(client.appendToStream('size-1', jsonEvent({ type: 'Small', data: { text: 'x'.repeat(100) } }))).resolves.toMatchObject({
      success: true,
    });
  });

  // Event.SizeOnDisk: data + metadata + 2 bytes per character of the type ('Sized': 10 bytes).
  const sized = (dataBytes: number) => binaryEvent({ type: 'Sized', data: new Uint8Array(dataBytes) });
  test.each([
    ['BatchAppend', {}],
    // Per-call credentials make the client use the single-call Append instead.
    ['Append', { credentials: { username: 'any', password: 'any' } }],
  ] as const)('%s counts data, metadata and the type as the server does, up to the byte', async (_path, options) => {
    await expect(client.appendToStream(`sized-${_path}`, [sized(400), sized(580)], options)).resolves.toMatchObject({ success: true });
    const over = await client.appendToStream(`sized-${_path}`, [sized(400), sized(581)], options).catch((e: unknown) => e);
    expect(over).toBeInstanceOf(MaxAppendSizeExceededError);
  });

  test('a limit that is not a positive integer is refused at start', async () => {
    await expect(startEmulator({ ...storage.options, port: 0, maxAppendSize: 0 })).rejects.toThrow(
      'maxAppendSize must be a positive integer',
    );
  });
});
