import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent, START } from '@eventstore/db-client';
import { GossipClient } from '@eventstore/db-client/generated/gossip_grpc_pb';
import { type ClusterInfo, MemberInfo } from '@eventstore/db-client/generated/gossip_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '../server/start-emulator';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ memory: true, port: 0 });
});
afterAll(() => emulator.close());

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
