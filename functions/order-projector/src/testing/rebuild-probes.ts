import { PGlite } from '@electric-sql/pglite';
import { PersistentSubscriptionDoesNotExistError } from '@eventstore/db-client';
import { type ReadModelStatus, type RunningFunction, startFunction, type TestEventStore } from '@spillway/runtime';
import { Client } from 'pg';
import orderProjector from '../index';
import { seedOrders } from './order-log';
import type { ScratchDatabase } from './scratch-database';

// What the rebuild tests look at through a replica's HTTP API, the event store and the database.

const POLL_MS = 100;
// Reads of many orders at once: enough to finish 10,000 in seconds, few enough not to starve the replica.
const READ_PARALLELISM = 16;

// Replicas drain and drop a retired version's tables quickly, so the tests see the end of a switch soon.
const DRAIN_MS = 1_000;
const GRACE_MS = 1_500;

/**
 * A replica of `definition` (order-projector, or a variant of it) in this process, on `scratch`'s database
 * and `store`, ready; `concurrency` overrides how many events it handles at once.
 */
export async function startProjector(
  scratch: ScratchDatabase,
  store: TestEventStore,
  definition: typeof orderProjector = orderProjector,
  concurrency?: number,
): Promise<RunningFunction> {
  const env = scratch.databaseUrl ? { DATABASE_URL: scratch.databaseUrl } : { PGLITE_DATA_DIR: scratch.dataDir! };
  const running = await startFunction(definition, {
    env,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    drainTimeoutMs: DRAIN_MS,
    readModelDropGraceMs: GRACE_MS,
    esdbConnectionString: store.connectionString,
    ...(concurrency === undefined ? {} : { concurrency }),
  });
  await running.ready;
  return running;
}

/** Polls `probe` until it returns something, or fails after `timeoutMs` with the last error as cause. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export async function status(url: string): Promise<ReadModelStatus> {
  const response = await fetch(`${url}/read-model`);
  if (response.status !== 200) throw new Error(`GET /read-model -> ${response.status}`);
  return (await response.json()) as ReadModelStatus;
}

export async function post(url: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** An order as `GET /orders/:id` answers it, as far as these tests look. */
type OrderBody = { readonly status?: string } & Record<string, unknown>;

/**
 * `GET /orders/:id` for each id not yet in `into`: the orders found (200) that `settled` accepts, by id.
 */
export async function orders(
  url: string,
  ids: readonly string[],
  into = new Map<string, OrderBody>(),
  settled: (order: OrderBody) => boolean = () => true,
): Promise<Map<string, OrderBody>> {
  const queue = ids.filter((id) => !into.has(id));
  await Promise.all(
    Array.from({ length: READ_PARALLELISM }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const response = await fetch(`${url}/orders/${id}`);
        if (response.status !== 200) {
          await response.arrayBuffer();
          continue;
        }
        const order = (await response.json()) as OrderBody;
        if (settled(order)) into.set(id, order);
      }
    }),
  );
  return into;
}

/** Seeded orders end reserved or rejected: one still pending has not had its second event applied. */
export const final = (order: OrderBody) => order.status !== 'pending';

/**
 * Every one of `ids`, each read until `settled` accepts it. A sample (every 100th and the last) is
 * polled first, so that a replica still catching up is not flooded with reads (PGlite serves reads
 * and writes on one connection); then each poll reads only the orders still missing.
 */
export async function allOrders(
  url: string,
  ids: readonly string[],
  what: string,
  timeoutMs: number,
  settled: (order: OrderBody) => boolean = () => true,
): Promise<Map<string, OrderBody>> {
  const found = new Map<string, OrderBody>();
  const sample = [...new Set([...ids.filter((_, i) => i % 100 === 0), ...ids.slice(-1)])];
  await eventually(
    `${what} (a sample)`,
    async () => ((await orders(url, sample, found, settled)).size >= sample.length ? true : undefined),
    timeoutMs,
  );
  return eventually(what, async () => ((await orders(url, ids, found, settled)).size === ids.length ? found : undefined), timeoutMs);
}

/** What a reader of known orders saw until it was stopped. */
export interface ReaderReport {
  readonly reads: number;
  /** Every read that did not answer 200, as `<id> -> <status>`. */
  readonly failures: readonly string[];
}

// A busy reader, not a flood: PGlite serves reads and a build's writes on one connection.
const READER_PAUSE_MS = 10;
// New orders at a steady trickle while a version builds, as a shop takes them: 5 every 200 ms, about 50 events a second.
const TRICKLE_ORDERS = 5;
const TRICKLE_PAUSE_MS = 200;

/**
 * Reads known orders one after the other through `GET /orders/:id` (every `stride`th, round and round)
 * until `stop()`, which resolves to how many reads there were and which did not answer 200.
 */
export function readKnownOrders(url: string, known: readonly string[], stride: number): { stop(): Promise<ReaderReport> } {
  let reading = true;
  const failures: string[] = [];
  let reads = 0;
  const done = (async () => {
    for (let i = 0; reading; i = (i + stride) % known.length) {
      const response = await fetch(`${url}/orders/${known[i]}`);
      reads++;
      if (response.status !== 200) failures.push(`${known[i]} -> ${response.status}`);
      await response.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, READER_PAUSE_MS));
    }
  })();
  return {
    async stop() {
      reading = false;
      await done;
      return { reads, failures };
    },
  };
}

/** Appends new orders (numbered from `offset`) at a steady trickle until `stop()`, which resolves to their ids. */
export function trickleOrders(store: TestEventStore, offset: number): { stop(): Promise<string[]> } {
  let writing = true;
  const added: string[] = [];
  const done = (async () => {
    for (let next = offset; writing; next += TRICKLE_ORDERS) {
      added.push(...(await seedOrders(store.client, TRICKLE_ORDERS, next)));
      await new Promise((resolve) => setTimeout(resolve, TRICKLE_PAUSE_MS));
    }
  })();
  return {
    async stop() {
      writing = false;
      await done;
      return added;
    },
  };
}

export async function groupExists(store: TestEventStore, group: string): Promise<boolean> {
  try {
    await store.client.getPersistentSubscriptionToAllInfo(group);
    return true;
  } catch (err) {
    if (err instanceof PersistentSubscriptionDoesNotExistError) return false;
    throw err;
  }
}

/** Read-model schemas in the database, read behind the function's back (PGlite only once the function has closed it). */
export async function schemas(scratch: ScratchDatabase): Promise<string[]> {
  const sql = "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'rm\\_%' ORDER BY 1";
  if (scratch.databaseUrl) {
    const client = new Client({ connectionString: scratch.databaseUrl });
    await client.connect();
    try {
      return (await client.query<{ schema_name: string }>(sql)).rows.map((r) => r.schema_name);
    } finally {
      await client.end();
    }
  }
  const db = await PGlite.create(scratch.dataDir);
  try {
    return (await db.query<{ schema_name: string }>(sql)).rows.map((r) => r.schema_name);
  } finally {
    await db.close();
  }
}
