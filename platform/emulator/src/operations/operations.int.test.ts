import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OperationsClient } from '@eventstore/db-client/generated/operations_grpc_pb';
import { ScavengeResp, StartScavengeReq, StopScavengeReq } from '@eventstore/db-client/generated/operations_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '../server/start-emulator';
import { writeSelfSignedCert } from '../testing/self-signed-cert';

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

describe('Operations without users', () => {
  let emulator: Emulator;
  let client: OperationsClient;
  beforeAll(async () => {
    emulator = await startEmulator({ memory: true, port: 0 });
    client = new OperationsClient(`127.0.0.1:${emulator.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await emulator.close();
  });

  test('StartScavenge starts one, StopScavenge stops it, and an unknown one is scavenge-not-found', async () => {
    const started = await call<StartScavengeReq, ScavengeResp>(
      client.startScavenge,
      client,
      new StartScavengeReq().setOptions(new StartScavengeReq.Options()),
    );
    expect(started.getScavengeResult()).toBe(ScavengeResp.ScavengeResult.STARTED);
    expect(started.getScavengeId()).toMatch(/^[0-9a-f-]{36}$/);
    const stop = (id: string) =>
      call<StopScavengeReq, ScavengeResp>(
        client.stopScavenge,
        client,
        new StopScavengeReq().setOptions(new StopScavengeReq.Options().setScavengeId(id)),
      );
    expect((await stop(started.getScavengeId())).getScavengeResult()).toBe(ScavengeResp.ScavengeResult.STOPPED);
    const unknown = await stop('no-such-scavenge').catch((e: grpc.ServiceError) => e);
    expect((unknown as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
    expect((unknown as grpc.ServiceError).metadata.get('exception')).toEqual(['scavenge-not-found']);
  });

  test('MergeIndexes and RestartPersistentSubscriptions are accepted', async () => {
    await expect(call(client.mergeIndexes, client, new Empty())).resolves.toBeInstanceOf(Empty);
    await expect(call(client.restartPersistentSubscriptions, client, new Empty())).resolves.toBeInstanceOf(Empty);
  });
});

test('Operations.Shutdown answers, then stops the node', async () => {
  const emulator = await startEmulator({ memory: true, port: 0 });
  const client = new OperationsClient(`127.0.0.1:${emulator.port}`, grpc.credentials.createInsecure());
  try {
    await call(client.shutdown, client, new Empty());
    await emulator.stopped;
    const after = await call(client.mergeIndexes, client, new Empty(), new grpc.Metadata()).catch((e: grpc.ServiceError) => e);
    expect((after as grpc.ServiceError).code).toBe(grpc.status.UNAVAILABLE);
  } finally {
    client.close();
    await emulator.close();
  }
});

describe('Operations with users need $ops or $admins', () => {
  let dir: string;
  let emulator: Emulator;
  let client: OperationsClient;
  const basic = (user: string, password: string) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
    return metadata;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-ops-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    writeSelfSignedCert(key, cert);
    emulator = await startEmulator({
      port: 0,
      memory: true,
      tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
      users: [
        { username: 'admin', password: 'changeit' },
        { username: 'ops', password: 'changeit' },
        { username: 'reader', password: 'secret' },
      ],
    });
    client = new OperationsClient(`127.0.0.1:${emulator.port}`, grpc.credentials.createSsl(fs.readFileSync(cert)));
  });
  afterAll(async () => {
    client.close();
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ['admin', 'MergeIndexes', true],
    ['ops', 'MergeIndexes', true],
    ['reader', 'MergeIndexes', false],
    ['admin', 'RestartPersistentSubscriptions', true],
    ['ops', 'RestartPersistentSubscriptions', false],
  ] as const)('%s calling %s: allowed %s', async (user, method, allowed) => {
    const metadata = basic(user, user === 'reader' ? 'secret' : 'changeit');
    const run = method === 'MergeIndexes' ? client.mergeIndexes : client.restartPersistentSubscriptions;
    const outcome = await call(run as Call<Empty, Empty>, client, new Empty(), metadata).catch((e: grpc.ServiceError) => e);
    if (allowed) expect(outcome).toBeInstanceOf(Empty);
    else {
      expect((outcome as grpc.ServiceError).code).toBe(grpc.status.PERMISSION_DENIED);
      expect((outcome as grpc.ServiceError).metadata.get('exception')).toEqual(['access-denied']);
    }
  });
});
