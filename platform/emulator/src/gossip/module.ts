/**
 * The Gossip service of a single node: Gossip.Read answers with the node itself, alive and
 * Leader, at its advertised address, as a one-node cluster's GossipService does
 * (src/EventStore.Core/Services/Transport/Grpc/Gossip.cs, ClusterInfo of one MemberInfo). This
 * is what `esdb+discover://` connection strings (and multi-endpoint `esdb://` ones) read before
 * connecting: the client picks the Leader's `http_end_point`. Like the server's, it needs no
 * credentials (the client sends none).
 */
import { GossipService } from '@eventstore/db-client/generated/gossip_grpc_pb';
import { ClusterInfo, EndPoint, MemberInfo } from '@eventstore/db-client/generated/gossip_pb';
import type * as grpc from '@grpc/grpc-js';
import type { ServiceModule, SupportedMethod } from '../service-module';
import { uuidMessage } from '../streams/convert';

const SERVICE = 'event_store.client.gossip.Gossip';
const TICKS_PER_MS = 10_000n;
/** .NET ticks (100 ns) at the Unix epoch: MemberInfo.time_stamp is DateTime.UtcNow.Ticks. */
const UNIX_EPOCH_TICKS = 621_355_968_000_000_000n;

export interface AdvertisedNode {
  readonly instanceId: string;
  /** The address clients are told to connect to, and its port (known once the server is bound). */
  readonly address: () => { readonly host: string; readonly port: number };
}

export function createGossipModule(node: AdvertisedNode): ServiceModule {
  const implementation: grpc.UntypedServiceImplementation = {
    read: (_call: grpc.ServerUnaryCall<unknown, ClusterInfo>, callback: grpc.sendUnaryData<ClusterInfo>) => {
      const { host, port } = node.address();
      const ticks = BigInt(Date.now()) * TICKS_PER_MS + UNIX_EPOCH_TICKS;
      const member = new MemberInfo()
        .setInstanceId(uuidMessage(node.instanceId, true))
        .setTimeStamp(ticks.toString())
        .setState(MemberInfo.VNodeState.LEADER)
        .setIsAlive(true)
        .setHttpEndPoint(new EndPoint().setAddress(host).setPort(port));
      callback(null, new ClusterInfo().setMembersList([member]));
    },
  };
  const methods: SupportedMethod[] = [{ serviceName: SERVICE, methodName: 'Read', features: [] }];
  return { definition: GossipService, implementation, methods, close: async () => {} };
}
