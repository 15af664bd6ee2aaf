import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ErrorType,
  EventStoreDBClient,
  jsonEvent,
  PersistentSubscriptionExistsError,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
} from '@eventstore/db-client';
import { type Emulator, startEmulator } from '../server/start-emulator';
import { verifyLog } from '../store/log-repair';
import { MAX_NAME_BYTES } from '../store/record-limits';

const INVALID_ARGUMENT = 3;

// A durable emulator: the failure this guards against stopped the log, so the log is what is checked.
let dir: string;
let emulator: Emulator;
let client: EventStoreDBClient;

async function start(): Promise<void> {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, dataDir: dir });
  client = EventStoreDBClient.connectionString(emulator.connectionString);
}

async function stop(): Promise<void> {
  await client.dispose();
  await emulator.close();
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-limits-'));
  await start();
});

afterAll(async () => {
  await stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A stream name of exactly `bytes` UTF-8 bytes, unique by its prefix. */
const nameOf = (bytes: number, prefix: string = randomUUID()): string =>
  (prefix + 'x'.repeat(Math.max(0, bytes - prefix.length))).slice(0, bytes);
const event = (n = 0) => jsonEvent({ type: 'Step', data: { n } });

let controlRevision = -1n;
/** The append every case ends with: it must work whatever came before. */
async function controlAppendWorks(): Promise<void> {
  const result = await client.appendToStream('control', event(Number(controlRevision) + 1), {
    expectedRevision: controlRevision < 0n ? 'no_stream' : controlRevision,
  });
  controlRevision = result.nextExpectedRevision;
}

describe('names the log cannot hold are refused where the request is accepted', () => {
  test('soft-deleting a stream whose $$ metadata stream would be over 65,535 bytes: INVALID_ARGUMENT, the store keeps writing', async () => {
    for (const bytes of [MAX_NAME_BYTES, MAX_NAME_BYTES - 1]) {
      const name = nameOf(bytes);
      await client.appendToStream(name, event());
      const refused = client.deleteStream(name);
      await expect(refused).rejects.toMatchObject({ code: INVALID_ARGUMENT });
      await expect(refused).rejects.toThrow(/too long to soft-delete: its metadata stream '\$\$' \+ name would be \d+ bytes/);
      await controlAppendWorks();
      // The stream itself is untouched and can still be tombstoned (no derived name).
      expect((await client.appendToStream(name, event(1), { expectedRevision: 0n })).nextExpectedRevision).toBe(1n);
      await client.tombstoneStream(name);
    }
    const longest = nameOf(MAX_NAME_BYTES - 2);
    await client.appendToStream(longest, event());
    await client.deleteStream(longest);
    await controlAppendWorks();
  });

  test('a persistent subscription whose checkpoint stream name would not fit: INVALID_ARGUMENT at create, nothing else stops', async () => {
    const stream = nameOf(MAX_NAME_BYTES);
    await client.appendToStream(stream, event());
    const settings = persistentSubscriptionToStreamSettingsFromDefaults();
    const refused = client.createPersistentSubscriptionToStream(stream, 'g', settings);
    await expect(refused).rejects.toMatchObject({ code: INVALID_ARGUMENT });
    await expect(refused).rejects.toThrow(/checkpoint metadata stream would be \d+ bytes/);
    await controlAppendWorks();

    // The longest pair that fits: 39 bytes of fixed name parts, the rest shared by stream and group.
    const fitting = nameOf(MAX_NAME_BYTES - 39 - 5);
    await client.appendToStream(fitting, [event(0), event(1)]);
    await client.createPersistentSubscriptionToStream(fitting, 'group', {
      ...settings,
      startFrom: START,
      checkPointLowerBound: 1,
      checkPointAfter: 1,
    });
    const subscription = client.subscribeToPersistentSubscriptionToStream(fitting, 'group');
    let seen = 0;
    for await (const e of subscription) {
      await subscription.ack(e);
      if (++seen === 2) break;
    }
    await subscription.unsubscribe();
    await controlAppendWorks();
  });
});

/** A small seeded generator (mulberry32): the same sequence every run, printed on failure. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Refusals a valid request may get besides INVALID_ARGUMENT; anything else (UNAVAILABLE above all) fails the test. */
const ACCEPTABLE = new Set<string>([
  ErrorType.WRONG_EXPECTED_VERSION,
  ErrorType.STREAM_DELETED,
  ErrorType.STREAM_NOT_FOUND,
  ErrorType.PERSISTENT_SUBSCRIPTION_EXISTS,
]);

test('property: random valid requests near every name limit never make a later valid append fail (and the log stays clean)', async () => {
  const seed = 20261130;
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const lengths = [
    1,
    12,
    200,
    MAX_NAME_BYTES - 40,
    MAX_NAME_BYTES - 39,
    MAX_NAME_BYTES - 3,
    MAX_NAME_BYTES - 2,
    MAX_NAME_BYTES - 1,
    MAX_NAME_BYTES,
  ];
  const names: string[] = lengths.map((n) => nameOf(n));
  const metaNames = names.filter((n) => Buffer.byteLength(n) <= MAX_NAME_BYTES - 2).map((n) => `$$${n}`);
  const operations: Record<string, (name: string, step: number) => Promise<unknown>> = {
    append: (name) => client.appendToStream(name, [event(), event(1)]),
    appendLongType: (name) => client.appendToStream(name, jsonEvent({ type: 'T'.repeat(MAX_NAME_BYTES), data: {} })),
    softDelete: (name) => client.deleteStream(name),
    tombstone: (name) => (next() < 0.2 ? client.tombstoneStream(name) : Promise.resolve()),
    metadata: (name) => client.setStreamMetadata(name, { maxCount: 5 }),
    metastreamWrite: () => client.appendToStream(pick(metaNames), jsonEvent({ type: '$metadata', data: { $maxAge: 60 } })),
    persistent: (name, i) =>
      client.createPersistentSubscriptionToStream(
        name,
        nameOf(pick([1, 20, 30, 40]), `g${i}`),
        persistentSubscriptionToStreamSettingsFromDefaults(),
      ),
  };
  const log: string[] = [];
  for (let i = 0; i < 120; i++) {
    const kind = pick(Object.keys(operations));
    const name = pick(names);
    log.push(`${kind}(${Buffer.byteLength(name)} bytes)`);
    try {
      await operations[kind]!(name, i);
    } catch (error) {
      const type = (error as { type?: string }).type ?? String(error);
      // BatchAppend answers a bad request in-band; the client reports it as "Could not recognize BadRequest".
      const invalid = (error as { code?: number }).code === INVALID_ARGUMENT || /BadRequest/.test((error as Error).message);
      if (!invalid && !ACCEPTABLE.has(type) && !(error instanceof PersistentSubscriptionExistsError)) {
        throw new Error(`seed ${seed}, step ${i} ${log.at(-1)}: unexpected ${type}: ${(error as Error).message}`);
      }
    }
    try {
      await controlAppendWorks();
    } catch (error) {
      throw new Error(`seed ${seed}: after ${log.join(', ')}: the control append failed: ${(error as Error).message}`);
    }
  }
  await stop();
  expect(verifyLog(dir)).toMatchObject({ starts: true, message: expect.stringContaining('clean') });
  await start();
  await controlAppendWorks();
}, 120_000);
