import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { ProjectionsClient } from '@eventstore/db-client/generated/projections_grpc_pb';
import { CreateReq, StatisticsReq, type StatisticsResp } from '@eventstore/db-client/generated/projections_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../server/start-emulator';
import { eventually } from '../testing/eventually';
import { readResolved } from '../testing/read-resolved';

const unique = () => randomUUID().replace(/-/g, '').slice(0, 12);
const event = (type: string, data: Record<string, number | string> = {}) => jsonEvent({ type, data });

/** Polls the state until `accept` holds. */
const stateWhen = <T>(client: EventStoreDBClient, name: string, accept: (state: T) => boolean, partition?: string) =>
  eventually(async () => {
    const state = await client.getProjectionState<T>(name, partition === undefined ? {} : { partition });
    return accept(state) ? state : undefined;
  }, `the state of ${name}`);

const statusWhen = (client: EventStoreDBClient, name: string, status: string) =>
  eventually(async () => {
    const details = await client.getProjectionStatus(name);
    return details.projectionStatus === status ? details : undefined;
  }, `${name} ${status}`);

const modes: [string, () => EmulatorOptions][] = [
  ['memory', () => ({ memory: true })],
  ['durable', () => ({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-userproj-')) })],
];

describe.each(modes)('user-defined projections (%s)', (_mode, optionsOf) => {
  let options: EmulatorOptions;
  let emulator: Emulator;
  let client: EventStoreDBClient;

  beforeAll(async () => {
    options = optionsOf();
    emulator = await startEmulator({ ...options, port: 0, runProjections: 'all' });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
  });
  afterAll(async () => {
    await client?.dispose();
    await emulator?.close();
    if (options.dataDir) fs.rmSync(options.dataDir, { recursive: true, force: true });
  });

  test('a continuous projection over a category counts events appended before and after it was created', async () => {
    const cat = `cart${unique()}`;
    await client.appendToStream(`${cat}-1`, [event('ItemAdded'), event('ItemAdded')]);
    const name = `count-${cat}`;
    await client.createProjection(
      name,
      `fromCategory('${cat}').when({
        $init: () => ({ added: 0, removed: 0 }),
        ItemAdded: (s) => { s.added += 1; },
        ItemRemoved: (s) => { s.removed += 1; return s; },
      })`,
    );
    await client.appendToStream(`${cat}-2`, [event('ItemAdded'), event('ItemRemoved'), event('Ignored')]);
    await client.appendToStream(`other${unique()}-1`, event('ItemAdded'));
    const state = await stateWhen<{ added: number; removed: number }>(client, name, (s) => s.added === 3 && s.removed === 1);
    expect(state).toEqual({ added: 3, removed: 1 });
    const details = await client.getProjectionStatus(name);
    expect(details.projectionStatus).toBe('Running');
    expect(details.name).toBe(name);
    expect((await client.listProjections()).map((p) => p.name)).toEqual(expect.arrayContaining([name, '$by_category']));
  });

  test('foreachStream keeps a state per stream; transformBy shapes the result; outputState writes it', async () => {
    const cat = `acct${unique()}`;
    const name = `balance-${cat}`;
    await client.createProjection(
      name,
      `fromCategory('${cat}').foreachStream().when({
        $init: () => ({ balance: 0 }),
        Deposited: (s, e) => ({ balance: s.balance + e.data.amount }),
        Withdrawn: (s, e) => ({ balance: s.balance - e.body.amount }),
      }).transformBy((s) => ({ cents: s.balance * 100 })).outputState()`,
    );
    await client.appendToStream(`${cat}-a`, [event('Deposited', { amount: 10 }), event('Withdrawn', { amount: 3 })]);
    await client.appendToStream(`${cat}-b`, event('Deposited', { amount: 5 }));
    await stateWhen<{ balance: number }>(client, name, (s) => s.balance === 7, `${cat}-a`);
    await stateWhen<{ balance: number }>(client, name, (s) => s.balance === 5, `${cat}-b`);
    expect(await client.getProjectionResult(name, { partition: `${cat}-a` })).toEqual({ cents: 700 });
    const results = await eventually(async () => {
      const all = await readResolved(client, `$projections-${name}-${cat}-a-result`);
      return all.length === 2 ? all : undefined;
    }, 'two results of the first stream');
    expect(results.map((e) => e.event?.type)).toEqual(['Result', 'Result']);
    expect(results[1]!.event!.data).toEqual({ cents: 700 });
  });

  test('emit and linkTo write to other streams when emit is enabled', async () => {
    const cat = `ship${unique()}`;
    const name = `emitter-${cat}`;
    await client.createProjection(
      name,
      `fromCategory('${cat}').when({
        Shipped: (s, e) => {
          emit('${cat}summary', 'ShipmentNoted', { from: e.streamId, n: e.sequenceNumber });
          linkTo('${cat}links', e);
        },
      })`,
      { emitEnabled: true },
    );
    await client.appendToStream(`${cat}-1`, [event('Shipped'), event('Shipped')]);
    const noted = await eventually(async () => {
      const all = await readResolved(client, `${cat}summary`);
      return all.length === 2 ? all : undefined;
    }, 'two emitted events');
    expect(noted.map((e) => e.event?.data)).toEqual([
      { from: `${cat}-1`, n: 0 },
      { from: `${cat}-1`, n: 1 },
    ]);
    const linked = await eventually(async () => {
      const all = await readResolved(client, `${cat}links`);
      return all.length === 2 ? all : undefined;
    }, 'two links');
    expect(linked.map((e) => `${e.event?.streamId}@${e.event?.revision} via ${e.link?.type}`)).toEqual([
      `${cat}-1@0 via $>`,
      `${cat}-1@1 via $>`,
    ]);
  });

  test('a projection that throws is Faulted with its message; one stuck in a loop (also in a promise callback) is stopped by its time budget', async () => {
    const cat = `bad${unique()}`;
    await client.createProjection(
      `thrower-${cat}`,
      `fromCategory('${cat}').when({ Boom: () => { throw new Error('cannot digest ' + 42); } })`,
    );
    await client.createProjection(`looper-${cat}`, `fromCategory('${cat}').when({ Boom: () => { for (;;) {} } })`);
    await client.createProjection(`escaper-${cat}`, `fromCategory('${cat}').when({ Boom: () => { process.exit(1); } })`);
    // Loops queued as promise callbacks (or after an await) are stopped too: they run in the projection's worker, not on the node's loop.
    await client.createProjection(
      `deferrer-${cat}`,
      `fromCategory('${cat}').when({ Boom: () => { Promise.resolve().then(() => { for (;;) {} }); } })`,
    );
    await client.createProjection(`awaiter-${cat}`, `fromCategory('${cat}').when({ Boom: async () => { await null; for (;;) {} } })`);
    await client.appendToStream(`${cat}-1`, event('Boom'));
    const thrown = await statusWhen(client, `thrower-${cat}`, 'Faulted');
    expect(thrown.stateReason).toContain('cannot digest 42');
    const looped = await statusWhen(client, `looper-${cat}`, 'Faulted');
    expect(looped.stateReason).toMatch(/timed out/i);
    // No Node API inside the sandbox: the projection faults, the node keeps serving.
    const escaped = await statusWhen(client, `escaper-${cat}`, 'Faulted');
    expect(escaped.stateReason).toContain('process is not defined');
    const deferred = await statusWhen(client, `deferrer-${cat}`, 'Faulted');
    expect(deferred.stateReason).toMatch(/timed out/i);
    const awaited = await statusWhen(client, `awaiter-${cat}`, 'Faulted');
    expect(awaited.stateReason).toMatch(/timed out/i);
    expect((await client.appendToStream(`${cat}-2`, event('Fine'))).success).toBe(true);
  });

  test('fromAll, fromStream of a $ce- stream (links resolved), fromCategory reading it, fromStreams, partitionBy and filterBy', async () => {
    const cat = `src${unique()}`;
    const type = `Sold${unique()}`;
    const sold = (region: string, amount: number) => event(type, { region, amount });
    await client.createProjection(`all-${cat}`, `fromAll().when({ $init: () => ({ n: 0 }), ${type}: (s) => { s.n += 1; } })`);
    await client.createProjection(
      `ce-${cat}`,
      `fromStream('$ce-${cat}').when({ $init: () => ({ seen: [] }), $any: (s, e) => { s.seen.push(e.streamId + '@' + e.sequenceNumber + ' via ' + e.linkMetadata.$o); } })`,
    );
    await client.createProjection(
      `cat-${cat}`,
      `fromCategory('${cat}').when({ $init: () => ({ seen: [] }), $any: (s, e) => { s.seen.push(e.streamId + '@' + e.sequenceNumber + ' via ' + e.linkMetadata.$o); } })`,
    );
    await client.createProjection(
      `two-${cat}`,
      `fromStreams(['${cat}-1', '${cat}-2']).when({ $init: () => ({ n: 0 }), $any: (s) => { s.n += 1; } })`,
    );
    await client.createProjection(
      `regions-${cat}`,
      `fromCategory('${cat}').partitionBy((e) => e.data.region).when({
        $init: () => ({ total: 0 }),
        ${type}: (s, e) => { s.total += e.data.amount; },
      }).filterBy((s) => s.total > 5)`,
    );
    await client.appendToStream(`${cat}-1`, [sold('north', 4), sold('south', 2)]);
    await client.appendToStream(`${cat}-2`, sold('north', 3));
    await client.appendToStream(`${cat}-3`, sold('south', 1));
    await client.appendToStream(`else${unique()}-1`, sold('north', 100));

    expect(await stateWhen<{ n: number }>(client, `all-${cat}`, (s) => s.n === 5)).toEqual({ n: 5 });
    const seen = await stateWhen<{ seen: string[] }>(client, `ce-${cat}`, (s) => s.seen.length === 4);
    expect(seen.seen).toEqual([`${cat}-1@0 via ${cat}-1`, `${cat}-1@1 via ${cat}-1`, `${cat}-2@0 via ${cat}-2`, `${cat}-3@0 via ${cat}-3`]);
    // fromCategory reads that same `$ce-` stream, as on the server.
    expect(await stateWhen<{ seen: string[] }>(client, `cat-${cat}`, (s) => s.seen.length === 4)).toEqual(seen);
    expect(await stateWhen<{ n: number }>(client, `two-${cat}`, (s) => s.n === 3)).toEqual({ n: 3 });
    expect(await stateWhen<{ total: number }>(client, `regions-${cat}`, (s) => s.total === 7, 'north')).toEqual({ total: 7 });
    expect(await stateWhen<{ total: number }>(client, `regions-${cat}`, (s) => s.total === 3, 'south')).toEqual({ total: 3 });
    // filterBy: a partition whose state fails the filter has no result.
    expect(await client.getProjectionResult(`regions-${cat}`, { partition: 'north' })).toEqual({ total: 7 });
    expect(await client.getProjectionResult(`regions-${cat}`, { partition: 'south' })).toBeNull();
  });

  test('a query whose top level never returns is Faulted by the compilation budget', async () => {
    const name = `spin-${unique()}`;
    await client.createProjection(name, 'for (;;) {} fromAll().when({})');
    const details = await statusWhen(client, name, 'Faulted');
    expect(details.stateReason).toMatch(/timed out/i);
    expect((await client.appendToStream(`after${unique()}-1`, event('Fine'))).success).toBe(true);
  });

  test('disable, enable, update, reset and delete', async () => {
    const cat = `ops${unique()}`;
    const name = `ops-${cat}`;
    await client.createProjection(name, `fromCategory('${cat}').when({ $init: () => ({ n: 0 }), $any: (s) => { s.n += 1; } })`);
    await client.appendToStream(`${cat}-1`, [event('A'), event('B')]);
    await stateWhen<{ n: number }>(client, name, (s) => s.n === 2);
    await client.disableProjection(name);
    expect((await client.getProjectionStatus(name)).projectionStatus).toBe('Stopped');
    await client.appendToStream(`${cat}-1`, event('C'));
    await client.enableProjection(name);
    await stateWhen<{ n: number }>(client, name, (s) => s.n === 3);
    await client.updateProjection(name, `fromCategory('${cat}').when({ $init: () => ({ n: 0 }), $any: (s) => { s.n += 10; } })`);
    await client.resetProjection(name);
    await stateWhen<{ n: number }>(client, name, (s) => s.n === 30);
    await expect(client.deleteProjection(name)).rejects.toThrow(/stopped or faulted/);
    await client.disableProjection(name);
    await client.deleteProjection(name, { deleteCheckpointStream: true });
    expect((await client.listProjections()).map((p) => p.name)).not.toContain(name);
    await expect(client.getProjectionStatus(name)).rejects.toThrow(/not found/i);
  });
});

test('a continuous projection survives a restart of a durable node in the middle, counting each event once', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-userproj-restart-'));
  const cat = `tick${unique()}`;
  const name = `ticks-${cat}`;
  try {
    let emulator = await startEmulator({ dataDir, port: 0, runProjections: 'all' });
    let client = EventStoreDBClient.connectionString(emulator.connectionString);
    await client.createProjection(
      name,
      `fromCategory('${cat}').when({ $init: () => ({ n: 0 }), Tick: (s, e) => { s.n += 1; linkTo('${cat}ticks', e); } })`,
      { emitEnabled: true },
    );
    await client.appendToStream(`${cat}-1`, [event('Tick'), event('Tick'), event('Tick')]);
    await stateWhen<{ n: number }>(client, name, (s) => s.n === 3);
    await client.dispose();
    await emulator.close();

    emulator = await startEmulator({ dataDir, port: 0, runProjections: 'all' });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
    try {
      await client.appendToStream(`${cat}-1`, [event('Tick'), event('Tick')]);
      await stateWhen<{ n: number }>(client, name, (s) => s.n === 5);
      const links = await eventually(async () => {
        const all = await readResolved(client, `${cat}ticks`);
        return all.length >= 5 ? all : undefined;
      }, 'five links');
      expect(links.map((e) => e.event?.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
      const details = await client.getProjectionStatus(name);
      expect(details.projectionStatus).toBe('Running');
      // Continued from its checkpoint ($projections-<name>-checkpoint, written as it stopped): only the two new events were handled.
      expect(details.eventsProcessedAfterRestart).toBe(2n);
    } finally {
      await client.dispose();
      await emulator.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('with --run-projections system, user projections are refused with a message saying how to enable them', async () => {
  const emulator = await startEmulator({ memory: true, port: 0 });
  const client = EventStoreDBClient.connectionString(emulator.connectionString);
  try {
    await expect(client.createProjection('nope', 'fromAll().when({})')).rejects.toThrow(/--run-projections all/);
    const listed = await client.listProjections();
    expect(listed.map((p) => `${p.name}:${p.projectionStatus}`)).toEqual(
      expect.arrayContaining(['$by_category:Running', '$by_event_type:Running', '$streams:Running', '$stream_by_category:Running']),
    );
  } finally {
    await client.dispose();
    await emulator.close();
  }
});

describe('one-time and transient projections, and the subsystem restart (generated client: the client creates continuous ones only)', () => {
  let emulator: Emulator;
  let client: EventStoreDBClient;
  let projections: ProjectionsClient;
  beforeAll(async () => {
    emulator = await startEmulator({ memory: true, port: 0, runProjections: 'all' });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
    projections = new ProjectionsClient(`127.0.0.1:${emulator.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    projections.close();
    await client.dispose();
    await emulator.close();
  });

  const create = (options: CreateReq.Options) =>
    new Promise<void>((resolve, reject) =>
      projections.create(new CreateReq().setOptions(options), (error) => (error ? reject(error) : resolve())),
    );

  test('a transient projection runs to the end of the log and stops Completed with its state', async () => {
    const cat = `once${unique()}`;
    await client.appendToStream(`${cat}-1`, [event('Seen'), event('Seen'), event('Seen')]);
    // fromCategory reads `$ce-<category>`, written behind the appends: a query run to its end sees the links written so far.
    await eventually(async () => ((await readResolved(client, `$ce-${cat}`)).length === 3 ? true : undefined), 'the category links');
    await create(
      new CreateReq.Options()
        .setTransient(new CreateReq.Options.Transient().setName(`q-${cat}`))
        .setQuery(`fromCategory('${cat}').when({ $init: () => ({ n: 0 }), Seen: (s) => { s.n += 1; } })`),
    );
    const details = await statusWhen(client, `q-${cat}`, 'Completed');
    expect(details.status).toBe('Completed/Stopped');
    expect(await client.getProjectionState(`q-${cat}`)).toEqual({ n: 3 });
  });

  test('a one-time projection gets a name of its own and completes', async () => {
    const cat = `one${unique()}`;
    await client.appendToStream(`${cat}-1`, event('Seen'));
    await eventually(async () => ((await readResolved(client, `$ce-${cat}`)).length === 1 ? true : undefined), 'the category link');
    await create(new CreateReq.Options().setOneTime(new Empty()).setQuery(`fromCategory('${cat}').when({ Seen: (s) => s })`));
    const oneTime = await eventually(async () => {
      const all = await new Promise<StatisticsResp.Details[]>((resolve, reject) => {
        const out: StatisticsResp.Details[] = [];
        const stream = projections.statistics(new StatisticsReq().setOptions(new StatisticsReq.Options().setOneTime(new Empty())));
        stream.on('data', (r: StatisticsResp) => out.push(r.getDetails()!));
        stream.on('error', reject);
        stream.on('end', () => resolve(out));
      });
      return all.find((d) => d.getStatus() === 'Completed/Stopped');
    }, 'a completed one-time projection');
    expect(oneTime.getMode()).toBe('OneTime');
  });

  test('restartSubsystem stops every projection and starts the enabled ones again', async () => {
    const cat = `rs${unique()}`;
    const name = `rs-${cat}`;
    await client.createProjection(name, `fromCategory('${cat}').when({ $init: () => ({ n: 0 }), $any: (s) => { s.n += 1; } })`);
    await client.appendToStream(`${cat}-1`, event('A'));
    await stateWhen<{ n: number }>(client, name, (s) => s.n === 1);
    await client.restartSubsystem();
    await client.appendToStream(`${cat}-1`, event('B'));
    await stateWhen<{ n: number }>(client, name, (s) => s.n === 2);
    expect((await client.getProjectionStatus(name)).projectionStatus).toBe('Running');
  });
});
