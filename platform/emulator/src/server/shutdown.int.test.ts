import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EventStoreDBClient,
  jsonEvent,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
  UnavailableError,
} from '@eventstore/db-client';
import { within } from '../testing/child-emulator';
import { STORAGE_MODES } from '../testing/storage-modes';
import { startEmulator } from './start-emulator';

/** A hang detector, not a speed check: a pending append that never settles fails the test here. */
const SETTLE_MS = 30_000;

test('at shutdown every in-flight append settles, and every acknowledged one is in the log after a restart', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-shutdown-'));
  try {
    const emulator = await startEmulator({ dataDir, port: 0, runProjections: 'none' });
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    const acknowledged: string[] = [];
    const failures: unknown[] = [];
    let stop = false;
    const writer = async (stream: string) => {
      while (!stop) {
        const events = Array.from({ length: 5 }, () => jsonEvent({ id: randomUUID(), type: 'Written', data: {} }));
        try {
          await client.appendToStream(stream, events);
          acknowledged.push(...events.map((e) => e.id));
        } catch (error) {
          failures.push(error);
          return;
        }
      }
    };
    const writing = Promise.all(Array.from({ length: 4 }, (_, i) => writer(`shutdown-${i}`)));
    while (acknowledged.length < 100) await new Promise((resolve) => setTimeout(resolve, 5));
    // Appends are in flight on the shared BatchAppend call while the emulator stops.
    await emulator.close();
    stop = true;
    await within(SETTLE_MS, 'every pending append settled', writing);
    await client.dispose();
    // Every writer saw its stream end with an error, never a silent end.
    expect(failures).toHaveLength(4);

    const reopened = await startEmulator({ dataDir, port: 0, runProjections: 'none' });
    const reader = EventStoreDBClient.connectionString(reopened.connectionString);
    try {
      const stored = new Set<string>();
      for (let i = 0; i < 4; i++) {
        for await (const e of reader.readStream(`shutdown-${i}`, { fromRevision: START })) stored.add(e.event!.id);
      }
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await reader.dispose();
      await reopened.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test.each(STORAGE_MODES)(
  'a catch-up subscription and a persistent subscription end with UNAVAILABLE, not a clean end (%s)',
  async (_mode, storageOf) => {
    const storage = storageOf();
    const emulator = await startEmulator({ ...storage.options, port: 0 });
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    try {
      await client.appendToStream('watched-1', jsonEvent({ type: 'Seen', data: {} }));
      await client.createPersistentSubscriptionToStream(
        'watched-1',
        'g',
        persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START }),
      );
      const catchUp = client.subscribeToStream('watched-1', { fromRevision: START });
      const persistent = client.subscribeToPersistentSubscriptionToStream('watched-1', 'g');
      const endOf = (subscription: NodeJS.EventEmitter) =>
        new Promise<unknown>((resolve) => {
          subscription.once('error', (error) => resolve(error));
          subscription.once('end', () => resolve('ended cleanly'));
        });
      const caughtUpEnd = endOf(catchUp);
      const persistentEnd = endOf(persistent);
      // Both are live: each has delivered the event.
      await within(SETTLE_MS, 'catch-up delivery', new Promise((resolve) => catchUp.once('data', resolve)));
      await within(SETTLE_MS, 'persistent delivery', new Promise((resolve) => persistent.once('data', resolve)));
      await emulator.close();
      const [a, b] = await within(SETTLE_MS, 'both subscriptions ended', Promise.all([caughtUpEnd, persistentEnd]));
      expect(a).toBeInstanceOf(UnavailableError);
      expect(b).toBeInstanceOf(UnavailableError);
    } finally {
      await client.dispose();
      await emulator.close();
      storage.remove();
    }
  },
);
