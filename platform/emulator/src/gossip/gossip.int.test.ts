import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventStoreDBClient, jsonEvent, START } from '@eventstore/db-client';
import { GossipClient } from '@eventstore/db-client/generated/gossip_grpc_pb';
import { type ClusterInfo, MemberInfo } from '@eventstore/db-client/generated/gossip_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '../server/start-emulator';
import { writeSelfSignedCert } from '../testing/self-signed-cert';
import { STORAGE_MODES, type TestStorage } from '../testing/storage-modes';

describe.each(STORAGE_MODES)('Gossip (%s)', (_mode, storageOf) => {
  let storage: TestStorage;
  let emulator: Emulator;
  beforeAll(async () => {
    storage = storageOf();
    emulator = await startEmulator({ ...storage.options, port: 0 });
  });
  afterAll(async () => {
    await emulator?.close();
    storage.remove();
  });

  test('Gossip.Read answers with the node itself: one member, alive, Leader, at the address it listens on', async () => {
    const gossip = new GossipClient(`127.0.0.1:${emulator.port}`, grpc.credentials.createInsecure());
    try {
      const info = await new Promise<ClusterInfo>((resolve, reject) =>
        gossip.read(new Empty(), (error, response) => (error ? reject(error) : resolve(response!))),
      );
      const members = info.getMembersList();
      expect(members).toHaveLength(1);
      const [member] = members;
      expect(member!.getState()).toBe(MemberInfo.VNodeState.LEADER);
      expect(member!.getIsAlive()).toBe(true);
      expect(member!.getHttpEndPoint()?.getAddress()).toBe('127.0.0.1');
      expect(member!.getHttpEndPoint()?.getPort()).toBe(emulator.port);
      expect(member!.getInstanceId()?.hasStructured()).toBe(true);
    } finally {
      gossip.close();
    }
  });

  test('an esdb+discover:// connection string discovers the node and works like esdb://', async () => {
    const client = EventStoreDBClient.connectionString(`esdb+discover://127.0.0.1:${emulator.port}?tls=false`);
    try {
      const stream = `discover-${randomUUID()}`;
      await client.appendToStream(stream, jsonEvent({ type: 'Discovered', data: { ok: true } }));
      const read = [];
      for await (const e of client.readStream(stream, { fromRevision: START })) read.push(e.event?.type);
      expect(read).toEqual(['Discovered']);
    } finally {
      await client.dispose();
    }
  });

  test('so does a multi-endpoint esdb:// string, which the client resolves by gossip too', async () => {
    const client = EventStoreDBClient.connectionString(`esdb://127.0.0.1:${emulator.port},localhost:${emulator.port}?tls=false`);
    try {
      const result = await client.appendToStream(`multi-${randomUUID()}`, jsonEvent({ type: 'Discovered', data: {} }));
      expect(result.success).toBe(true);
    } finally {
      await client.dispose();
    }
  });
});

test('on a secure node, Gossip answers anonymous callers and esdb+discover:// with TLS and a user works', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-gossip-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  writeSelfSignedCert(key, cert);
  // The server's policy lets anyone read gossip (Node.Gossip.ClientRead is anonymous by default).
  const emulator = await startEmulator({
    memory: true,
    port: 0,
    auth: true,
    tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
  });
  const gossip = new GossipClient(`127.0.0.1:${emulator.port}`, grpc.credentials.createSsl(fs.readFileSync(cert)));
  const client = EventStoreDBClient.connectionString(
    `esdb+discover://admin:changeit@127.0.0.1:${emulator.port}?tls=true&tlsCAFile=${cert}`,
  );
  try {
    const info = await new Promise<ClusterInfo>((resolve, reject) =>
      gossip.read(new Empty(), (error, response) => (error ? reject(error) : resolve(response!))),
    );
    expect(info.getMembersList().map((m) => m.getState())).toEqual([MemberInfo.VNodeState.LEADER]);
    const result = await client.appendToStream(`secure-discover-${randomUUID()}`, jsonEvent({ type: 'Discovered', data: {} }));
    expect(result.success).toBe(true);
  } finally {
    gossip.close();
    await client.dispose();
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
