import {
  type EventStoreDBClient,
  jsonEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  START,
  streamNameFilter,
} from '@eventstore/db-client';
import { QUARANTINE_EVENT_TYPE, QUARANTINE_STREAM, startTestEventStore, type TestEventStore } from '@spillway/runtime';
import { command } from './parked';

let emulator: TestEventStore;
let client: EventStoreDBClient;
let out: string[];
let err: string[];
let stdout: jest.SpyInstance;
let stderr: jest.SpyInstance;

beforeAll(async () => {
  emulator = await startTestEventStore();
  client = emulator.client;
  await client.createPersistentSubscriptionToAll('cli-parked', persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START }), {
    filter: streamNameFilter({ prefixes: ['parkme-'] }),
  });
  await client.appendToStream('parkme-1', jsonEvent({ type: 'Broken', data: { n: 1 } }));
  await client.appendToStream('parkme-2', jsonEvent({ type: 'Fine', data: { n: 2 } }));
  const subscription = client.subscribeToPersistentSubscriptionToAll('cli-parked');
  let answered = 0;
  await new Promise<void>((resolve) => {
    subscription.on('data', async (event) => {
      if (event.event?.type === 'Broken') await subscription.nack('park', 'cannot be handled', event);
      else await subscription.ack(event);
      if (++answered === 2) resolve();
    });
  });
  await subscription.unsubscribe();
  subscription.destroy();
  // Parking is written asynchronously by the server.
  for (let i = 0; i < 100; i++) {
    if ((await client.getPersistentSubscriptionToAllInfo('cli-parked')).stats.parkedMessageCount === 1n) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});
afterAll(() => emulator?.close());
beforeEach(() => {
  out = [];
  err = [];
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => Boolean(out.push(String(chunk))));
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => Boolean(err.push(String(chunk))));
});
afterEach(() => {
  stdout.mockRestore();
  stderr.mockRestore();
});

describe('spillway parked against the emulator', () => {
  test('without --group it lists every group with its parked count', async () => {
    expect(await command.run(['--connection', emulator.connectionString])).toBe(0);
    expect(out.join('')).toMatch(/\$all\s+cli-parked\s+1\n/);
  });

  test('without --connection it uses ESDB_CONNECTION_STRING, as spillway status does', async () => {
    const saved = process.env.ESDB_CONNECTION_STRING;
    process.env.ESDB_CONNECTION_STRING = emulator.connectionString;
    try {
      expect(await command.run([])).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.ESDB_CONNECTION_STRING;
      else process.env.ESDB_CONNECTION_STRING = saved;
    }
    expect(out.join('')).toMatch(/\$all\s+cli-parked\s+1\n/);
  });

  test('with --group it lists the parked events with their reason', async () => {
    expect(await command.run(['--group', 'cli-parked', '--all', '--connection', emulator.connectionString])).toBe(0);
    const text = out.join('');
    expect(text).toContain('parked events of $all::cli-parked');
    expect(text).toMatch(/parkme-1@0 Broken [0-9a-f-]{36} {2}reason: .*cannot be handled/);
    expect(text).not.toContain('parkme-2');
  });

  test('an unknown group exits 1 naming it', async () => {
    expect(await command.run(['--group', 'nope', '--connection', emulator.connectionString])).toBe(1);
    expect(err.join('')).toContain("no subscription group 'nope' on $all");
  });

  test('--replay re-delivers the parked events', async () => {
    expect(await command.run(['--group', 'cli-parked', '--replay', '--connection', emulator.connectionString])).toBe(0);
    expect(out.join('')).toContain('replaying the parked events of $all::cli-parked');
    const subscription = client.subscribeToPersistentSubscriptionToAll('cli-parked');
    const redelivered = await new Promise<string | undefined>((resolve) =>
      subscription.once('data', (event) => resolve(event.event?.type)),
    );
    await subscription.unsubscribe();
    subscription.destroy();
    expect(redelivered).toBe('Broken');
  });

  test('--quarantine lists the events folds skipped; without --group their count is shown', async () => {
    expect(await command.run(['--quarantine', '--connection', emulator.connectionString])).toBe(0);
    expect(out.join('')).toContain('no quarantined events');
    await client.appendToStream(
      QUARANTINE_STREAM,
      jsonEvent({
        type: QUARANTINE_EVENT_TYPE,
        data: {
          fn: 'stock-reservation',
          streamId: 'inventory-x',
          revision: '3',
          eventId: 'e-1',
          type: 'StockRestocked',
          reason: 'quantity: too small',
        },
      }),
    );
    out.length = 0;
    expect(await command.run(['--quarantine', '--connection', emulator.connectionString])).toBe(0);
    expect(out.join('')).toMatch(/0 {2}inventory-x@3 StockRestocked e-1 {2}by stock-reservation {2}reason: quantity: too small\n/);
    out.length = 0;
    expect(await command.run(['--connection', emulator.connectionString])).toBe(0);
    expect(out.join('')).toContain('quarantined events: 1 (spillway parked --quarantine lists them)');
  });

  test('--quarantine with --group is a usage error', async () => {
    await expect(command.run(['--quarantine', '--group', 'g'])).rejects.toThrow(/--quarantine lists the quarantine/);
  });
});
