import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EventStoreDBClient,
  jsonEvent,
  persistentSubscriptionToStreamSettingsFromDefaults,
  type ResolvedEvent,
  START,
} from '@eventstore/db-client';
import { type Emulator, type EmulatorOptions, startEmulator } from '../server/start-emulator';
import { eventually } from '../testing/eventually';
import { readResolved } from '../testing/read-resolved';

/** A category of its own per test (no '-': the category is what comes before the first one). */
const category = () => `ord${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const placed = (n: number) => jsonEvent({ type: 'OrderPlaced', data: { n } });

/** Waits until `stream` holds `count` events, then returns them resolved. */
const readCount = (client: EventStoreDBClient, stream: string, count: number) =>
  eventually(async () => {
    const events = await readResolved(client, stream);
    if (events.length > count) throw new Error(`${stream} holds ${events.length} events, expected ${count}`);
    return events.length === count ? events : undefined;
  }, `${count} events in ${stream}`);

const modes: [string, () => EmulatorOptions][] = [
  ['memory', () => ({ memory: true })],
  ['durable', () => ({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-proj-')) })],
];

describe.each(modes)('system projections (%s)', (_mode, optionsOf) => {
  let options: EmulatorOptions;
  let emulator: Emulator;
  let client: EventStoreDBClient;

  beforeAll(async () => {
    options = optionsOf();
    emulator = await startEmulator({ ...options, port: 0 });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
  });
  afterAll(async () => {
    await client?.dispose();
    await emulator?.close();
    if (options.dataDir) fs.rmSync(options.dataDir, { recursive: true, force: true });
  });

  test('$by_category links every event of <category>-* streams into $ce-<category>, resolved with event and link', async () => {
    const cat = category();
    await client.appendToStream(`${cat}-1`, [placed(1), placed(2)]);
    await client.appendToStream(`${cat}-2`, placed(3));
    const events = await readCount(client, `$ce-${cat}`, 3);
    expect(events.map((e) => `${e.event?.streamId}@${e.event?.revision}`)).toEqual([`${cat}-1@0`, `${cat}-1@1`, `${cat}-2@0`]);
    expect(events.map((e) => (e.event!.data as { n: number }).n)).toEqual([1, 2, 3]);
    for (const [i, e] of events.entries()) {
      expect(e.link?.type).toBe('$>');
      expect(e.link?.streamId).toBe(`$ce-${cat}`);
      expect(e.link?.revision).toBe(BigInt(i));
      expect(e.link?.metadata).toMatchObject({ $v: '1:-1:1:1', $o: e.event?.streamId, $causedBy: e.event?.id });
    }
    // Without resolveLinkTos, the link itself: `<revision>@<stream>`, as the server writes it.
    const raw = [];
    for await (const e of client.readStream(`$ce-${cat}`, { fromRevision: START })) raw.push(e);
    expect(raw.map((e) => Buffer.from(e.event!.data as Uint8Array).toString('utf8'))).toEqual([`0@${cat}-1`, `1@${cat}-1`, `0@${cat}-2`]);
    expect(raw.every((e) => e.link === undefined)).toBe(true);
  });

  test('$by_event_type, $streams and $stream_by_category', async () => {
    const cat = category();
    const type = `Type${randomUUID().replace(/-/g, '')}`;
    await client.appendToStream(`${cat}-a`, [jsonEvent({ type, data: {} }), jsonEvent({ type, data: {} })]);
    await client.appendToStream(`${cat}-b`, jsonEvent({ type, data: {} }));
    const byType = await readCount(client, `$et-${type}`, 3);
    expect(byType.map((e) => `${e.event?.streamId}@${e.event?.revision}`)).toEqual([`${cat}-a@0`, `${cat}-a@1`, `${cat}-b@0`]);

    const byCategory = await readCount(client, `$category-${cat}`, 2);
    expect(byCategory.map((e) => e.event?.type)).toEqual(['$@', '$@']);
    expect(byCategory.map((e) => Buffer.from(e.event!.data as Uint8Array).toString('utf8'))).toEqual([`${cat}-a`, `${cat}-b`]);

    await eventually(async () => {
      const streams = (await readResolved(client, '$streams')).map((e) => e.event?.streamId);
      return streams.includes(`${cat}-a`) && streams.includes(`${cat}-b`) ? streams : undefined;
    }, '$streams lists both streams');
    // Projections never see `$`-streams, so their own output is not listed (TransactionFileEventFilter).
    expect((await readResolved(client, '$streams')).map((e) => e.event?.streamId)).not.toContain(`$ce-${cat}`);
  });

  test('a catch-up subscription to $ce-<category> with resolveLinkTos sees history, then live events', async () => {
    const cat = category();
    await client.appendToStream(`${cat}-1`, placed(1));
    const subscription = client.subscribeToStream(`$ce-${cat}`, { fromRevision: START, resolveLinkTos: true });
    const seen: string[] = [];
    let appended = false;
    for await (const e of subscription) {
      seen.push(`${e.event?.streamId}:${(e.event!.data as { n: number }).n}:${e.link?.streamId}`);
      if (!appended) {
        appended = true;
        await client.appendToStream(`${cat}-2`, placed(2));
      }
      if (seen.length === 2) break;
    }
    await subscription.unsubscribe();
    expect(seen).toEqual([`${cat}-1:1:$ce-${cat}`, `${cat}-2:2:$ce-${cat}`]);
  });

  test('a persistent subscription on $ce-<category> with resolveLinkTos delivers events before and after it started, with links', async () => {
    const cat = category();
    const group = `g-${cat}`;
    await client.appendToStream(`${cat}-1`, placed(1));
    await client.createPersistentSubscriptionToStream(
      `$ce-${cat}`,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults({ resolveLinkTos: true, startFrom: START }),
    );
    const info = await client.getPersistentSubscriptionToStreamInfo(`$ce-${cat}`, group);
    expect(info.settings.resolveLinkTos).toBe(true);
    const subscription = client.subscribeToPersistentSubscriptionToStream(`$ce-${cat}`, group);
    const seen: string[] = [];
    let appended = false;
    for await (const e of subscription) {
      seen.push(`${e.event?.streamId}@${e.event?.revision} via ${e.link?.streamId}@${e.link?.revision}`);
      await subscription.ack(e);
      if (!appended) {
        appended = true;
        await client.appendToStream(`${cat}-2`, placed(2));
      }
      if (seen.length === 2) break;
    }
    await subscription.unsubscribe();
    expect(seen).toEqual([`${cat}-1@0 via $ce-${cat}@0`, `${cat}-2@0 via $ce-${cat}@1`]);
  });

  test('a link to a tombstoned stream resolves to the link alone, and the deletion is linked with $deleted', async () => {
    const cat = category();
    await client.appendToStream(`${cat}-1`, placed(1));
    await client.tombstoneStream(`${cat}-1`);
    const events = await readCount(client, `$ce-${cat}`, 2);
    // As the server's ResolvedEvent.ForFailedResolvedLink: no event, the link kept.
    expect(events[0]!.event).toBeUndefined();
    expect(events[0]!.link?.streamId).toBe(`$ce-${cat}`);
    expect(Buffer.from(events[0]!.link!.data as Uint8Array).toString('utf8')).toBe(`0@${cat}-1`);
    expect(events[1]!.link?.metadata).toMatchObject({ $deleted: -1, $o: `${cat}-1` });
    const deleted = await eventually(async () => {
      const all = await readResolved(client, '$et-$deleted');
      return all.find(
        (e) =>
          e.link &&
          Buffer.from(e.link.data as Uint8Array)
            .toString('utf8')
            .endsWith(`@${cat}-1`),
      );
    }, 'the tombstone in $et-$deleted');
    expect(deleted.link?.metadata).toMatchObject({ $deleted: -1 });
  });

  test('links to deleted events (soft-deleted, tombstoned, past $maxCount) keep only the link in reads, catch-up and persistent subscriptions', async () => {
    const cat = category();
    await client.appendToStream(`${cat}-soft`, placed(1));
    await client.appendToStream(`${cat}-hard`, placed(2));
    await client.appendToStream(`${cat}-trunc`, [placed(3), placed(4)]);
    await client.appendToStream(`${cat}-kept`, placed(5));
    await readCount(client, `$ce-${cat}`, 5);
    await client.deleteStream(`${cat}-soft`);
    await client.tombstoneStream(`${cat}-hard`);
    await client.setStreamMetadata(`${cat}-trunc`, { maxCount: 1 });
    // The soft delete's `$metadata` and the tombstone are linked too (with `$deleted`); the $maxCount change is not a deletion.
    await readCount(client, `$ce-${cat}`, 7);
    const describe = (e: ResolvedEvent) =>
      e.event === undefined
        ? `unresolved ${Buffer.from(e.link!.data as Uint8Array).toString('utf8')}`
        : `${e.event.streamId}@${e.event.revision}${e.link ? '' : ' (no link)'}`;
    // As the server's ResolveLinkToEvent: a target its ReadEvent cannot return (NoStream after a soft delete,
    // StreamDeleted, NotFound past $maxCount) gives ResolvedEvent.ForFailedResolvedLink: the link, no event.
    const expected = [
      `unresolved 0@${cat}-soft`,
      `unresolved 0@${cat}-hard`,
      `unresolved 0@${cat}-trunc`,
      `${cat}-trunc@1`,
      `${cat}-kept@0`,
      `$$${cat}-soft@0`,
      `unresolved ${(2n ** 63n - 1n).toString()}@${cat}-hard`,
    ];
    expect((await readResolved(client, `$ce-${cat}`)).map(describe)).toEqual(expected);

    const caughtUp: string[] = [];
    const subscription = client.subscribeToStream(`$ce-${cat}`, { fromRevision: START, resolveLinkTos: true });
    for await (const e of subscription) {
      caughtUp.push(describe(e));
      if (caughtUp.length === expected.length) break;
    }
    await subscription.unsubscribe();
    expect(caughtUp).toEqual(expected);

    await client.createPersistentSubscriptionToStream(
      `$ce-${cat}`,
      'deleted',
      persistentSubscriptionToStreamSettingsFromDefaults({ resolveLinkTos: true, startFrom: START }),
    );
    const persistent = client.subscribeToPersistentSubscriptionToStream(`$ce-${cat}`, 'deleted');
    const delivered: string[] = [];
    for await (const e of persistent) {
      delivered.push(describe(e));
      await persistent.ack(e);
      if (delivered.length === expected.length) break;
    }
    await persistent.unsubscribe();
    expect(delivered).toEqual(expected);
  });
});

describe('system projections across a durable restart', () => {
  test('continue where they stopped, with one link per event', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-proj-restart-'));
    const cat = category();
    try {
      let emulator = await startEmulator({ dataDir, port: 0 });
      let client = EventStoreDBClient.connectionString(emulator.connectionString);
      for (let i = 0; i < 5; i++) await client.appendToStream(`${cat}-${i}`, placed(i));
      await readCount(client, `$ce-${cat}`, 5);
      await client.dispose();
      await emulator.close();

      emulator = await startEmulator({ dataDir, port: 0 });
      client = EventStoreDBClient.connectionString(emulator.connectionString);
      try {
        for (let i = 5; i < 8; i++) await client.appendToStream(`${cat}-${i}`, placed(i));
        const events = await readCount(client, `$ce-${cat}`, 8);
        expect(events.map((e) => (e.event!.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        const categories = await readCount(client, `$category-${cat}`, 8);
        expect(categories).toHaveLength(8);
      } finally {
        await client.dispose();
        await emulator.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a restart in the middle of a backlog writes neither gaps nor duplicates', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-proj-backlog-'));
    const cat = category();
    try {
      // Written with projections off: the backlog the projections find on the next start.
      let emulator = await startEmulator({ dataDir, port: 0, runProjections: 'none' });
      let client = EventStoreDBClient.connectionString(emulator.connectionString);
      await client.appendToStream(
        `${cat}-x`,
        Array.from({ length: 3000 }, (_, i) => placed(i)),
      );
      expect(await readResolved(client, `$ce-${cat}`)).toEqual([]);
      await client.dispose();
      await emulator.close();

      // Started and stopped at once: the close lands somewhere in the backlog.
      emulator = await startEmulator({ dataDir, port: 0 });
      await emulator.close();

      emulator = await startEmulator({ dataDir, port: 0 });
      client = EventStoreDBClient.connectionString(emulator.connectionString);
      try {
        const events = await readCount(client, `$ce-${cat}`, 3000);
        expect(events.map((e) => (e.event!.data as { n: number }).n)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      } finally {
        await client.dispose();
        await emulator.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('enabling and disabling a standard projection through the Projections service', () => {
  /** `$stream_by_category` keeps running: once it names a stream, the same pass would have linked that stream's event. */
  const namedIn = (client: EventStoreDBClient, cat: string, count: number) => readCount(client, `$category-${cat}`, count);

  test('disable stops $by_category alone; enable continues it from its checkpoint without duplicates', async () => {
    const emulator = await startEmulator({ memory: true, port: 0 });
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    try {
      const cat = category();
      await client.appendToStream(`${cat}-1`, placed(1));
      await readCount(client, `$ce-${cat}`, 1);
      await client.disableProjection('$by_category');
      expect((await client.getProjectionStatus('$by_category')).projectionStatus).toBe('Stopped');
      expect((await client.getProjectionStatus('$by_event_type')).projectionStatus).toBe('Running');
      await client.appendToStream(`${cat}-2`, placed(2));
      await namedIn(client, cat, 2);
      expect(await readResolved(client, `$ce-${cat}`)).toHaveLength(1);
      await client.enableProjection('$by_category');
      // Enabling an enabled projection changes nothing, as on the server.
      await client.enableProjection('$by_category');
      expect((await client.getProjectionStatus('$by_category')).projectionStatus).toBe('Running');
      const events = await readCount(client, `$ce-${cat}`, 2);
      expect(events.map((e) => (e.event!.data as { n: number }).n)).toEqual([1, 2]);
      await expect(client.resetProjection('$by_category')).rejects.toThrow(/does not reset/);
    } finally {
      await client.dispose();
      await emulator.close();
    }
  });

  test('a durable node keeps a standard projection disabled across a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-proj-disabled-'));
    const cat = category();
    try {
      let emulator = await startEmulator({ dataDir, port: 0 });
      let client = EventStoreDBClient.connectionString(emulator.connectionString);
      await client.appendToStream(`${cat}-1`, placed(1));
      await readCount(client, `$ce-${cat}`, 1);
      await client.disableProjection('$by_category');
      await client.dispose();
      await emulator.close();

      emulator = await startEmulator({ dataDir, port: 0 });
      client = EventStoreDBClient.connectionString(emulator.connectionString);
      try {
        expect((await client.getProjectionStatus('$by_category')).projectionStatus).toBe('Stopped');
        await client.appendToStream(`${cat}-2`, placed(2));
        await namedIn(client, cat, 2);
        expect(await readResolved(client, `$ce-${cat}`)).toHaveLength(1);
        await client.enableProjection('$by_category');
        const events = await readCount(client, `$ce-${cat}`, 2);
        expect(events.map((e) => (e.event!.data as { n: number }).n)).toEqual([1, 2]);
      } finally {
        await client.dispose();
        await emulator.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('--run-projections none', () => {
  test('writes no category streams', async () => {
    const emulator = await startEmulator({ memory: true, port: 0, runProjections: 'none' });
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    try {
      const cat = category();
      await client.appendToStream(`${cat}-1`, placed(1));
      // Links would be written behind the append; a second append gives them time to show up.
      await client.appendToStream(`${cat}-2`, placed(2));
      const streams = new Set<string>();
      for await (const e of client.readAll({ fromPosition: START })) streams.add(e.event!.streamId);
      expect([...streams].filter((s) => s.startsWith('$ce-') || s.startsWith('$et-') || s === '$streams')).toEqual([]);
      await expect(client.enableProjection('$by_category')).rejects.toThrow(/--run-projections system or all/);
    } finally {
      await client.dispose();
      await emulator.close();
    }
  });
});
