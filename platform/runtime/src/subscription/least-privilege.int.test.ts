import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AccessDeniedError, EventStoreDBClient, jsonEvent, START } from '@eventstore/db-client';
import { type Emulator, type EmulatorOptions, startEmulator, writeSelfSignedCert } from '@spillway/emulator';
import { z } from 'zod';
import { defineFunction } from '../contract/define-function';
import { QUARANTINE_STREAM } from '../event-store/tolerant-reader';
import { type RunningFunction, startFunction } from '../process/start-function';
import { groupSettings } from './group-settings';

/**
 * The function runtime as a least-privilege user on a secure node (the ACL documented in
 * platform/runtime/README.md): read on its source stream, write on the streams it appends to,
 * nothing else; an operator ($ops) creates its group.
 */
const storages: [string, (dir: string) => EmulatorOptions][] = [
  ['memory', () => ({ memory: true })],
  ['durable', (dir) => ({ dataDir: path.join(dir, 'data') })],
];

describe.each(storages)('on a %s node', (_mode, storageOf) => {
  let dir: string;
  let storage: EmulatorOptions;
  let cert: string;
  let emulator: Emulator;
  let running: RunningFunction | undefined;
  const clients: EventStoreDBClient[] = [];

  const connection = (user: string, password: string) => `esdb://${user}:${password}@127.0.0.1:${emulator.port}?tls=true&tlsCAFile=${cert}`;
  const clientAs = (user: string, password: string) => {
    const client = EventStoreDBClient.connectionString(connection(user, password));
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-least-'));
    storage = storageOf(dir);
    const key = path.join(dir, 'key.pem');
    cert = path.join(dir, 'cert.pem');
    writeSelfSignedCert(key, cert);
    emulator = await startEmulator({
      port: 0,
      ...storage,
      tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
      auth: true,
      users: [{ username: 'fn-receipts', password: 'fn-secret' }],
    });
  });

  afterAll(async () => {
    await running?.close();
    running = undefined;
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await emulator?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a function runs as a user who may only read its source and write its output', async () => {
    const admin = clientAs('admin', 'changeit');
    const acl = (read: string[], write: string[]) => ({
      acl: { readRoles: read, writeRoles: write, deleteRoles: ['$admins'], metaReadRoles: ['$admins'], metaWriteRoles: ['$admins'] },
    });
    // Every user stream closed by default ($userStreamAcl), then exactly the README's rights opened.
    const adminsOnly = { $r: '$admins', $w: '$admins', $d: '$admins', $mr: '$admins', $mw: '$admins' };
    await admin.appendToStream('$settings', jsonEvent({ type: 'update-default-acl', data: { $userStreamAcl: adminsOnly } }));
    await admin.setStreamMetadata('payments', acl(['fn-receipts'], ['$admins']));
    await admin.setStreamMetadata('receipts', acl(['$admins'], ['fn-receipts']));
    await admin.setStreamMetadata('spillway-probe-receipts', acl(['fn-receipts'], ['$admins']));
    await admin.setStreamMetadata(QUARANTINE_STREAM, acl(['fn-receipts'], ['fn-receipts']));

    const fn = defineFunction({
      name: 'receipts',
      subscription: {
        source: { stream: 'payments' },
        group: 'receipts',
        events: { PaymentTaken: z.object({ amount: z.number() }) },
        async handle(event, ctx) {
          await ctx.eventStore.append('receipts', [{ type: 'ReceiptIssued', data: { amount: event.data.amount } }], {
            expectedRevision: 'any',
          });
        },
      },
    });
    // An operator creates the group with the settings the function declares; the function's user cannot.
    const declared = groupSettings(fn.subscription!);
    if (declared.kind !== 'stream') throw new Error('a stream source declares a stream group');
    await clientAs('ops', 'changeit').createPersistentSubscriptionToStream('payments', 'receipts', declared.settings);

    running = await startFunction(fn, {
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      esdbConnectionString: connection('fn-receipts', 'fn-secret'),
    });
    await running.ready;
    await admin.appendToStream('payments', [jsonEvent({ type: 'PaymentTaken', data: { amount: 12 } })]);

    const deadline = Date.now() + 20_000;
    let receipts: unknown[] = [];
    while (receipts.length === 0 && Date.now() < deadline) {
      receipts = [];
      try {
        for await (const e of admin.readStream('receipts', { fromRevision: START })) receipts.push(e.event?.data);
      } catch {
        // Not written yet.
      }
      if (receipts.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(receipts).toEqual([{ amount: 12 }]);
    // Ready by every check, the EventStoreDB probe (a read of spillway-probe-receipts) included.
    expect(await running.notReadyReasons()).toEqual([]);

    // And nothing more: the same user may not write its source, read its output or any other stream.
    const asFunction = clientAs('fn-receipts', 'fn-secret');
    await expect(asFunction.appendToStream('payments', jsonEvent({ type: 'PaymentTaken', data: { amount: 1 } }))).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    await expect(
      (async () => {
        for await (const _ of asFunction.readStream('receipts', { fromRevision: START })) break;
      })(),
    ).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(asFunction.appendToStream('elsewhere', jsonEvent({ type: 'Anything', data: {} }))).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
  });
});
