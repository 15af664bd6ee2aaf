import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import type { BatchAppendResp } from '@eventstore/db-client/generated/streams_pb';
import type * as grpc from '@grpc/grpc-js';
import { type AccessControl, OPEN_ACCESS } from '../server/access-control';
import { errors } from '../server/errors';
import type { ServiceModule, SupportedMethod } from '../service-module';
import type { Store } from '../store/store';
import { handleAppend } from './append';
import { handleBatchAppend } from './batch-append';
import { decodeBatchAppendReq } from './batch-append-decoding';
import { handleDelete, handleTombstone } from './delete';
import type { Output } from './output';
import { MAX_APPEND_SIZE } from './proposed-events';
import { handleRead, type ReadMessage } from './read';

const SERVICE = 'event_store.client.streams.Streams';

/**
 * The generated definition, except on the hot paths: Read also sends messages encoded in
 * advance, BatchAppend requests are decoded without google-protobuf objects, and its
 * successes are answered with bytes encoded in advance.
 */
const STREAMS_DEFINITION: grpc.ServiceDefinition = {
  ...StreamsService,
  batchAppend: {
    ...StreamsService.batchAppend,
    requestDeserialize: decodeBatchAppendReq,
    responseSerialize: (value: BatchAppendResp | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(value.serializeBinary())),
  },
  read: {
    ...StreamsService.read,
    responseSerialize: (value: ReadMessage) => (Buffer.isBuffer(value) ? value : Buffer.from(value.serializeBinary())),
  },
};

export interface StreamsOptions {
  /** The server's MaxAppendSize (bytes of type, data and metadata per append); 1 MiB by default. */
  readonly maxAppendSize?: number;
  /** Who may read, write and delete which stream; everyone may do everything without it. */
  readonly access?: AccessControl;
}

/** The Streams service over a store, with the features EventStoreDB advertises for it (ServerFeatures.cs). */
export function createStreamsModule(store: Store, options: StreamsOptions = {}): ServiceModule {
  const maxAppendSize = options.maxAppendSize ?? MAX_APPEND_SIZE;
  const access = options.access ?? OPEN_ACCESS;
  const reads = new Set<Output<ReadMessage>>();
  const batchAppends = new Set<() => Promise<void>>();
  const track = (output: Output<ReadMessage>) => {
    reads.add(output);
    return () => {
      reads.delete(output);
    };
  };
  const implementation: grpc.UntypedServiceImplementation = {
    read: handleRead(store, track, access),
    append: handleAppend(store, maxAppendSize, access),
    delete: handleDelete(store, access),
    tombstone: handleTombstone(store, access),
    batchAppend: handleBatchAppend(
      store,
      (drain) => {
        batchAppends.add(drain);
        return () => {
          batchAppends.delete(drain);
        };
      },
      maxAppendSize,
      access,
    ),
  };
  const methods: SupportedMethod[] = [
    { serviceName: SERVICE, methodName: 'Read', features: ['position', 'events'] },
    { serviceName: SERVICE, methodName: 'Append', features: [] },
    { serviceName: SERVICE, methodName: 'Delete', features: [] },
    { serviceName: SERVICE, methodName: 'Tombstone', features: [] },
    { serviceName: SERVICE, methodName: 'BatchAppend', features: [] },
  ];
  return {
    definition: STREAMS_DEFINITION,
    implementation,
    methods,
    async drain() {
      await Promise.all([...batchAppends].map((drain) => drain()));
    },
    async close() {
      // Subscriptions never end by themselves; a real server going away drops them as unavailable.
      for (const output of [...reads]) output.fail(errors.unavailable('the emulator is shutting down'));
      reads.clear();
    },
  };
}
