import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventStoreDBClient, jsonEvent, persistentSubscriptionToAllSettingsFromDefaults, START } from '@eventstore/db-client';
import { type Emulator, type EmulatorOptions, startEmulator } from '@spillway/emulator';
import { AllLagSource } from './all-lag-source';

/**
 * A node's own records are not work for a function: a fresh node's `$all` holds its start
 * records ($epoch-information, $$$scavenges) and, behind every append, the system projections'
 * links; none of them counts as lag of an unfiltered `$all` group, as on a real node.
 */
const storages: [string, () => EmulatorOptions][] = [
  ['memory', () => ({ memory: true })],
  ['durable', () => ({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-syslag-')) })],
];

describe.each(storages)('on a %s node', (_mode, storageOf) => {
  let storage: EmulatorOptions;
  let emulator: Emulator;
  let client: EventStoreDBClient;
  beforeAll(async () => {
    storage = storageOf();
    emulator = await startEmulator({ ...storage, port: 0 });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
  });
  afterAll(async () => {
    await client?.dispose();
    await emulator?.close();
    if (storage.dataDir) fs.rmSync(storage.dataDir, { recursive: true, force: true });
  });

  test('system events never count as lag of an unfiltered $all group', async () => {
    const source = new AllLagSource(client, 'everything', undefined);
    // Only the node's start records so far.
    let systemEvents = 0;
    for await (const e of client.readAll({ fromPosition: START })) if (e.event?.streamId.startsWith('$')) systemEvents++;
    expect(systemEvents).toBeGreaterThanOrEqual(2);
    expect(await source.getLag()).toMatchObject({ lag: 0, groupExists: false });

    await client.createPersistentSubscriptionToAll('everything', persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START }));
    await client.appendToStream('work-1', [jsonEvent({ type: 'Job', data: {} }), jsonEvent({ type: 'Job', data: {} })]);
    // Wait for the links the projections write behind the append, so they are there to be (not) counted.
    let links = 0;
    for (let i = 0; i < 400; i++) {
      links = 0;
      for await (const e of client.readAll({ fromPosition: START })) if (e.event?.streamId === '$ce-work') links++;
      if (links === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(links).toBe(2);
    expect(await source.getLag()).toMatchObject({ lag: 2, groupExists: true });
  });
});
