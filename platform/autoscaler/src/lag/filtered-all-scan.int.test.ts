import {
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  type Position,
  persistentSubscriptionToAllSettingsFromDefaults,
  START,
} from '@eventstore/db-client';
import { type Emulator, startEmulator } from '@spillway/emulator';
import { AllLagSource } from './all-lag-source';
import { type ScannedEvent, scanAll } from './filtered-all-scan';

/** The server filters what an `$all` reading sees; these pin what the counts and the lifecycle still have to be. */
describe('server-filtered $all scans (real client, real gRPC)', () => {
  let emulator: Emulator;
  let client: EventStoreDBClient;
  let n = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now()}-${n++}`;

  beforeAll(async () => {
    emulator = await startEmulator({ memory: true, port: 0 });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
  });
  afterAll(async () => {
    await client.dispose();
    await emulator.close();
  });

  const append = (stream: string, count: number, type = 'Tested') =>
    client.appendToStream(
      stream,
      Array.from({ length: count }, (_, i) => jsonEvent({ type, data: { i } })),
    );

  async function positionsOf(stream: string): Promise<Position[]> {
    const positions: Position[] = [];
    for await (const resolved of client.readAll({ fromPosition: START, direction: FORWARDS })) {
      if (resolved.event?.streamId === stream && resolved.event.position) positions.push(resolved.event.position);
    }
    return positions;
  }

  test('an unfiltered scan sees user events only: no projection links, no node records', async () => {
    const stream = unique('plain');
    await append(stream, 3);
    const seen: ScannedEvent[] = [];
    const scan = await scanAll(client, START, undefined, 10_000, (event) => {
      seen.push(event);
      return true;
    });
    expect(seen.filter((e) => e.streamId.startsWith('$'))).toEqual([]);
    expect(seen.filter((e) => e.streamId === stream)).toHaveLength(3);
    expect(scan.capped).toBe(false);
  });

  test('an event-type filter counts its types in any stream', async () => {
    const type = unique('Reserved').replace(/-/g, '');
    await append(unique('stock'), 2, type);
    await append(unique('stock'), 5, 'Other');
    await append(unique('pay'), 1, type);
    const source = new AllLagSource(client, unique('g'), { eventTypePrefixes: [type] });
    expect(await source.getLag()).toMatchObject({ lag: 3, groupExists: false, capped: false });
  });

  test('a group started at an explicit position counts the event at that position', async () => {
    const stream = unique('from');
    await append(stream, 4);
    const [, second] = await positionsOf(stream);
    const group = unique('g');
    await client.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults({ startFrom: second! }), {
      filter: { filterOn: 'streamName', prefixes: [stream], checkpointInterval: 1 },
    });
    const source = new AllLagSource(client, group, { streamNamePrefixes: [stream] });
    // The second, third and fourth event; the first lies before the start position.
    expect(await source.getLag()).toMatchObject({ lag: 3, groupExists: true, capped: false });
  });

  test('a group that will start at the end has nothing waiting', async () => {
    await append(unique('later'), 2);
    const source = new AllLagSource(client, unique('g'), undefined, 'end');
    expect(await source.getLag()).toMatchObject({ lag: 0, groupExists: false, caughtUp: true });
  });

  test('a filter that matches rarely: the server checkpoints carry the reading on past the rest, within the cap', async () => {
    const prefix = unique('rare');
    await append(unique('noise'), 3_000);
    await append(`${prefix}-1`, 1);
    const source = new AllLagSource(client, unique('g'), { streamNamePrefixes: [prefix] }, 'start', 10);
    let m = await source.getLag();
    let readings = 1;
    while (m.capped && readings < 50) {
      m = await source.getLag();
      readings++;
    }
    expect(m).toMatchObject({ lag: 1, capped: false });
    // Each reading stops at a checkpoint once the server has scanned past the cap of 10 events.
    expect(readings).toBeGreaterThan(1);
  });

  test('a scan whose call ends before it caught up (the client disposed) fails rather than report a short figure', async () => {
    const own = EventStoreDBClient.connectionString(emulator.connectionString);
    await append(unique('bulk'), 2_000, 'Bulk');
    let disposing: Promise<void> | undefined;
    const scan = scanAll(own, START, { eventTypePrefixes: ['Bulk'] }, 1_000_000, () => {
      disposing ??= own.dispose();
      return true;
    });
    await expect(scan).rejects.toThrow('before catching up');
    await disposing;
  });

  test('a scan against an unreachable node fails', async () => {
    const broken = EventStoreDBClient.connectionString('esdb://127.0.0.1:1?tls=false&defaultDeadline=500&maxDiscoverAttempts=1');
    try {
      await expect(scanAll(broken, START, undefined, 10, () => true)).rejects.toThrow();
    } finally {
      await broken.dispose();
    }
  });

  test('client.dispose() does not wait on a finished reading', async () => {
    const own = EventStoreDBClient.connectionString(emulator.connectionString);
    const type = unique('Done').replace(/-/g, '');
    await append(unique('done'), 2, type);
    const source = new AllLagSource(own, unique('g'), { eventTypePrefixes: [type] });
    // The earlier tests' thousands of events take a few capped readings to scan past.
    let m = await source.getLag();
    for (let readings = 1; m.capped && readings < 50; readings++) m = await source.getLag();
    expect(m).toMatchObject({ lag: 2, capped: false });
    await own.dispose();
  });
});
