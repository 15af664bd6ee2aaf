import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convertToCommandError, ScavengeNotFoundError } from '@eventstore/db-client';
import { OperationsClient } from '@eventstore/db-client/generated/operations_grpc_pb';
import { ScavengeResp, StartScavengeReq, StopScavengeReq } from '@eventstore/db-client/generated/operations_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '../server/start-emulator';
import { writeSelfSignedCert } from '../testing/self-signed-cert';
import { STORAGE_MODES, type TestStorage } from '../testing/storage-modes';

// @eventstore/db-client 6.2.1 has no Operations API of its own: these tests call the service
// through the client's generated stubs, and check errors through the client's own conversion.

type Call<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, response?: Res) => void,
) => unknown;

function call<Req, Res>(method: Call<Req, Res>, client: OperationsClient, request: Req, metadata = new grpc.Metadata()): Promise<Res> {
  return new Promise((resolve, reject) =>
    method.call(client, request, metadata, (error, response) => (error ? reject(error) : resolve(response!))),
  );
}

const startScavenge = (client: OperationsClient, metadata?: grpc.Metadata) =>
  call<StartScavengeReq, ScavengeResp>(
    client.startScavenge,
    client,
    new StartScavengeReq().setOptions(new StartScavengeReq.Options()),
    metadata,
  );
const stopScavenge = (client: OperationsClient, id: string, metadata?: grpc.Metadata) =>
  call<StopScavengeReq, ScavengeResp>(
    client.stopScavenge,
    client,
    new StopScavengeReq().setOptions(new StopScavengeReq.Options().setScavengeId(id)),
    metadata,
  );

describe.each(STORAGE_MODES)('Operations without users (%s)', (_mode, storageOf) => {
  let storage: TestStorage;
  let emulator: Emulator;
  let client: OperationsClient;
  beforeAll(async () => {
    storage = storageOf();
    emulator = await startEmulator({ ...storage.options, port: 0 });
    client = new OperationsClient(`127.0.0.1:${emulator.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await emulator?.close();
    storage.remove();
  });

  test('StartScavenge starts one, StopScavenge stops it, and an unknown one is the client ScavengeNotFoundError', async () => {
    const started = await startScavenge(client);
    expect(started.getScavengeResult()).toBe(ScavengeResp.ScavengeResult.STARTED);
    expect(started.getScavengeId()).toMatch(/^[0-9a-f-]{36}$/);
    expect((await stopScavenge(client, started.getScavengeId())).getScavengeResult()).toBe(ScavengeResp.ScavengeResult.STOPPED);
    const unknown = (await stopScavenge(client, 'no-such-scavenge').catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);
    expect(unknown.details).toBe('Scavenge id was invalid.');
    const converted = convertToCommandError(unknown);
    expect(converted).toBeInstanceOf(ScavengeNotFoundError);
    expect((converted as ScavengeNotFoundError).scavengeId).toBe('no-such-scavenge');
  });

  test('MergeIndexes and RestartPersistentSubscriptions are accepted', async () => {
    await expect(call(client.mergeIndexes, client, new Empty())).resolves.toBeInstanceOf(Empty);
    await expect(call(client.restartPersistentSubscriptions, client, new Empty())).resolves.toBeInstanceOf(Empty);
  });

  test('Shutdown answers, then stops the node; later calls are UNAVAILABLE', async () => {
    await call(client.shutdown, client, new Empty());
    await emulator.stopped;
    const after = (await call(client.mergeIndexes, client, new Empty()).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
    expect(after.code).toBe(grpc.status.UNAVAILABLE);
  });
});

describe.each(STORAGE_MODES)('Operations on a secure node need $ops or $admins (%s)', (_mode, storageOf) => {
  let storage: TestStorage;
  let dir: string;
  let emulator: Emulator;
  let client: OperationsClient;
  const basic = (user: string, password: string) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
    return metadata;
  };
  const as = (user: string) => (user === 'anonymous' ? new grpc.Metadata() : basic(user, user === 'reader' ? 'secret' : 'changeit'));

  beforeAll(async () => {
    storage = storageOf();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-ops-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    writeSelfSignedCert(key, cert);
    emulator = await startEmulator({
      ...storage.options,
      port: 0,
      tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
      auth: true,
      users: [{ username: 'reader', password: 'secret' }],
    });
    client = new OperationsClient(`127.0.0.1:${emulator.port}`, grpc.credentials.createSsl(fs.readFileSync(cert)));
  });
  afterAll(async () => {
    client?.close();
    await emulator?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    storage.remove();
  });

  const unary = {
    MergeIndexes: (metadata: grpc.Metadata) => call(client.mergeIndexes, client, new Empty(), metadata),
    RestartPersistentSubscriptions: (metadata: grpc.Metadata) => call(client.restartPersistentSubscriptions, client, new Empty(), metadata),
    StartScavenge: (metadata: grpc.Metadata) => startScavenge(client, metadata),
  };

  // LegacyPolicySelectorFactory: OperationsOrAdmins for Node.MergeIndexes, Node.Scavenge.Start
  // and Subscriptions.Restart; a user in neither group, or an anonymous caller, is denied.
  test.each([
    ['admin', 'MergeIndexes', true],
    ['ops', 'MergeIndexes', true],
    ['reader', 'MergeIndexes', false],
    ['anonymous', 'MergeIndexes', false],
    ['admin', 'RestartPersistentSubscriptions', true],
    ['ops', 'RestartPersistentSubscriptions', true],
    ['reader', 'RestartPersistentSubscriptions', false],
    ['ops', 'StartScavenge', true],
    ['reader', 'StartScavenge', false],
  ] as const)('%s calling %s: allowed %s', async (user, method, allowed) => {
    const outcome = await unary[method](as(user)).catch((e: grpc.ServiceError) => e);
    if (allowed) expect(outcome).not.toBeInstanceOf(Error);
    else {
      expect((outcome as grpc.ServiceError).code).toBe(grpc.status.PERMISSION_DENIED);
      expect((outcome as grpc.ServiceError).metadata.get('exception')).toEqual(['access-denied']);
    }
  });

  test('StopScavenge is for operators too', async () => {
    const started = await startScavenge(client, as('admin'));
    const denied = (await stopScavenge(client, started.getScavengeId(), as('reader')).catch((e) => e)) as grpc.ServiceError;
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await stopScavenge(client, started.getScavengeId(), as('ops'))).getScavengeResult()).toBe(ScavengeResp.ScavengeResult.STOPPED);
  });

  test('Shutdown: a reader is denied and the node keeps serving; ops stops it', async () => {
    const denied = (await call(client.shutdown, client, new Empty(), as('reader')).catch((e) => e)) as grpc.ServiceError;
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    await expect(unary.MergeIndexes(as('admin'))).resolves.toBeInstanceOf(Empty);
    await call(client.shutdown, client, new Empty(), as('ops'));
    await emulator.stopped;
    const after = (await unary.MergeIndexes(as('admin')).catch((e) => e)) as grpc.ServiceError;
    expect(after.code).toBe(grpc.status.UNAVAILABLE);
  });
});

test('with plain users (no --auth), the built-in names carry the roles: ops may merge indexes, another user may not', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-ops-users-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  writeSelfSignedCert(key, cert);
  const emulator = await startEmulator({
    memory: true,
    port: 0,
    tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
    users: [
      { username: 'ops', password: 'changeit' },
      { username: 'reader', password: 'secret' },
    ],
  });
  const client = new OperationsClient(`127.0.0.1:${emulator.port}`, grpc.credentials.createSsl(fs.readFileSync(cert)));
  const basic = (user: string, password: string) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
    return metadata;
  };
  try {
    await expect(call(client.mergeIndexes, client, new Empty(), basic('ops', 'changeit'))).resolves.toBeInstanceOf(Empty);
    const denied = (await call(client.mergeIndexes, client, new Empty(), basic('reader', 'secret')).catch((e) => e)) as grpc.ServiceError;
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
  } finally {
    client.close();
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
