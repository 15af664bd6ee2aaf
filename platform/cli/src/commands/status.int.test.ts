import { persistentSubscriptionToAllSettingsFromDefaults } from '@eventstore/db-client';
import { startTestEventStore, type TestEventStore } from '@spillway/runtime';
import { command } from './status';

let emulator: TestEventStore;
let out: string[];
let err: string[];
let spies: jest.SpyInstance[];

beforeAll(async () => {
  emulator = await startTestEventStore();
  // A group whose function is stopped: it exists, the server calls it Live, nobody reads it.
  await emulator.client.createPersistentSubscriptionToAll('nobody-home', persistentSubscriptionToAllSettingsFromDefaults());
});
afterAll(() => emulator?.close());
beforeEach(() => {
  out = [];
  err = [];
  spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => Boolean(out.push(String(chunk)))),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => Boolean(err.push(String(chunk)))),
  ];
});
afterEach(() => {
  for (const spy of spies) spy.mockRestore();
});

/** Runs with ESDB_CONNECTION_STRING set to `value` (or unset), restoring it after. */
async function withEnv<T>(value: string | undefined, work: () => Promise<T>): Promise<T> {
  const saved = process.env.ESDB_CONNECTION_STRING;
  if (value === undefined) delete process.env.ESDB_CONNECTION_STRING;
  else process.env.ESDB_CONNECTION_STRING = value;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete process.env.ESDB_CONNECTION_STRING;
    else process.env.ESDB_CONNECTION_STRING = saved;
  }
}

describe('spillway status against the emulator', () => {
  test('--connection names the server, as for parked and the autoscaler; a group with no consumer shows so', async () => {
    // The variable points elsewhere: the flag wins.
    const code = await withEnv('esdb://127.0.0.1:1?tls=false', () => command.run(['--connection', emulator.connectionString]));
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/^\$all::nobody-home +no consumers +0 \(unfiltered\) +0 +0 +0 +0$/m);
  });

  test('without --connection it reads ESDB_CONNECTION_STRING', async () => {
    expect(await withEnv(emulator.connectionString, () => command.run(['--json']))).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual([expect.objectContaining({ subscription: '$all::nobody-home' })]);
  });

  test.each([
    {
      name: 'a --connection that is not esdb://',
      run: () => command.run(['--connection', 'http://x']),
      error: /--connection must be an esdb:\/\/ connection string/,
    },
    {
      name: 'an ESDB_CONNECTION_STRING that is not esdb://',
      run: () => withEnv('postgres://x', () => command.run([])),
      error: /invalid configuration: ESDB_CONNECTION_STRING/,
    },
  ])('$name is refused before anything is asked', async ({ run, error }) => {
    await expect(run()).rejects.toThrow(error);
  });
});
