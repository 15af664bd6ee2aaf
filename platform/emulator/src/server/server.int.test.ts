import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AccessDeniedError, EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { ServerFeaturesClient } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import type { SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import { StreamsClient } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ReadReq } from '@eventstore/db-client/generated/streams_pb';
import * as grpc from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '../index';
import { writeSelfSignedCert } from '../testing/self-signed-cert';

async function supportedMethods(address: string, credentials: grpc.ChannelCredentials): Promise<string[]> {
  const features = new ServerFeaturesClient(address, credentials);
  try {
    const methods = await new Promise<SupportedMethods>((resolve, reject) =>
      features.getSupportedMethods(new Empty(), (error, response) => (error ? reject(error) : resolve(response!))),
    );
    return methods.getMethodsList().map((m) => `${m.getServiceName()}/${m.getMethodName()}`);
  } finally {
    features.close();
  }
}

describe('ServerFeatures and raw requests', () => {
  let emulator: Emulator;
  const address = () => `127.0.0.1:${emulator.port}`;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, memory: true });
  });
  afterAll(() => emulator.close());

  test('advertise a 23.10+ server with Streams methods, BatchAppend included', async () => {
    const features = new ServerFeaturesClient(address(), grpc.credentials.createInsecure());
    const methods = await new Promise<SupportedMethods>((resolve, reject) =>
      features.getSupportedMethods(new Empty(), (error, response) => (error ? reject(error) : resolve(response!))),
    );
    features.close();
    const [major, minor] = methods.getEventStoreServerVersion().split('.').map(Number);
    expect(major! > 23 || (major === 23 && minor! >= 10)).toBe(true);
    const names = methods.getMethodsList().map((m) => `${m.getServiceName()}/${m.getMethodName()}`);
    for (const method of ['read', 'append', 'batchappend', 'delete', 'tombstone']) {
      expect(names).toContain(`event_store.client.streams.streams/${method}`);
    }
  });

  test('advertise Gossip and the Operations a single node serves, nothing that is not served (Users only on a secure node)', async () => {
    const names = await supportedMethods(address(), grpc.credentials.createInsecure());
    expect(names).toContain('event_store.client.gossip.gossip/read');
    for (const method of ['shutdown', 'restartpersistentsubscriptions', 'mergeindexes', 'startscavenge', 'stopscavenge']) {
      expect(names).toContain(`event_store.client.operations.operations/${method}`);
    }
    // Cluster-only operations are not served, so not advertised (a call would be UNIMPLEMENTED).
    expect(names).not.toContain('event_store.client.operations.operations/resignnode');
    expect(names).not.toContain('event_store.client.operations.operations/setnodepriority');
    expect(names.filter((n) => n.startsWith('event_store.client.users.'))).toEqual([]);
  });

  test('an unknown enum value is refused with a message naming it', async () => {
    const streams = new StreamsClient(address(), grpc.credentials.createInsecure());
    const options = new ReadReq.Options()
      .setAll(new ReadReq.Options.AllOptions().setStart(new Empty()))
      .setCount('10')
      .setNoFilter(new Empty())
      .setReadDirection(7 as ReadReq.Options.ReadDirection);
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      const call = streams.read(new ReadReq().setOptions(options));
      call.on('data', () => undefined);
      call.on('error', resolve);
      call.on('end', () => resolve(new Error('ended without error') as grpc.ServiceError));
    });
    streams.close();
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe('Unknown read_direction 7.');
  });
});

describe('TLS and users', () => {
  let dir: string;
  let emulator: Emulator;
  let caFile: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-tls-'));
    const key = path.join(dir, 'key.pem');
    caFile = path.join(dir, 'cert.pem');
    writeSelfSignedCert(key, caFile);
    emulator = await startEmulator({
      port: 0,
      memory: true,
      tls: { cert: fs.readFileSync(caFile), key: fs.readFileSync(key) },
      users: [{ username: 'admin', password: 'changeit' }],
    });
  });

  afterAll(async () => {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const connect = (userInfo: string) =>
    EventStoreDBClient.connectionString(`esdb://${userInfo}127.0.0.1:${emulator.port}?tls=true&tlsCAFile=${caFile}`);

  test('a secure node (--auth) advertises the Users service, every method of it', async () => {
    const secure = await startEmulator({
      port: 0,
      memory: true,
      tls: { cert: fs.readFileSync(caFile), key: fs.readFileSync(path.join(dir, 'key.pem')) },
      auth: true,
    });
    try {
      const names = await supportedMethods(`127.0.0.1:${secure.port}`, grpc.credentials.createSsl(fs.readFileSync(caFile)));
      expect(names.filter((n) => n.startsWith('event_store.client.users.users/')).sort()).toEqual(
        ['changepassword', 'create', 'delete', 'details', 'disable', 'enable', 'resetpassword', 'update'].map(
          (m) => `event_store.client.users.users/${m}`,
        ),
      );
    } finally {
      await secure.close();
    }
  });

  test('users without TLS are refused at start: the client would send no credentials', async () => {
    await expect(startEmulator({ port: 0, memory: true, users: [{ username: 'a', password: 'b' }] })).rejects.toThrow(/users need tls/);
  });

  test('the connection string says tls=true', () => {
    expect(emulator.connectionString).toBe(`esdb://127.0.0.1:${emulator.port}?tls=true`);
  });

  test('a known user appends and reads over TLS', async () => {
    const client = connect('admin:changeit@');
    const result = await client.appendToStream('secure-1', jsonEvent({ type: 'Secret', data: { ok: true } }));
    expect(result.nextExpectedRevision).toBe(0n);
    const types: string[] = [];
    for await (const e of client.readStream('secure-1')) types.push(e.event!.type);
    expect(types).toEqual(['Secret']);
    await client.dispose();
  });

  test.each([
    ['a wrong password', 'admin:wrong@'],
    ['no credentials', ''],
  ])('%s is refused as access denied', async (_label, userInfo) => {
    const client = connect(userInfo);
    await expect(client.appendToStream('secure-2', jsonEvent({ type: 'X', data: {} }))).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(
      (async () => {
        for await (const _ of client.readAll()) break;
      })(),
    ).rejects.toBeInstanceOf(AccessDeniedError);
    await client.dispose();
  });
});
