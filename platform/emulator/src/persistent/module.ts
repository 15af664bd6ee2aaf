import { PersistentSubscriptionsService } from '@eventstore/db-client/generated/persistent_grpc_pb';
import type { ReadResp } from '@eventstore/db-client/generated/persistent_pb';
import type { ServiceDefinition } from '@grpc/grpc-js';
import type { AccessControl } from '../server/access-control';
import type { ServiceModule, SupportedMethod } from '../service-module';
import type { Store } from '../store/store';
import { persistentSubscriptionsImplementation } from './grpc-service';
import { SubscriptionService } from './subscription-service';

const SERVICE_NAME = 'event_store.client.persistent_subscriptions.PersistentSubscriptions';

/** What the real server advertises: every method for streams and `$all`, RestartSubsystem without features. */
const METHODS: readonly SupportedMethod[] = [
  ...['create', 'update', 'delete', 'read', 'getinfo', 'replayparked', 'list'].map((methodName) => ({
    serviceName: SERVICE_NAME,
    methodName,
    features: ['stream', 'all'],
  })),
  { serviceName: SERVICE_NAME, methodName: 'restartsubsystem', features: [] },
];

/**
 * The PersistentSubscriptions gRPC service over the emulator's store. Group definitions,
 * checkpoints and parked messages live in the store's own system streams, so a durable
 * store brings them back after a restart.
 */
export async function createPersistentSubscriptionsModule(
  store: Store,
  options: { readonly memory: boolean; readonly access?: AccessControl },
): Promise<(ServiceModule & { restartSubsystem(): Promise<void> }) | undefined> {
  const service = new SubscriptionService(store);
  return {
    restartSubsystem: () => service.restart(),
    definition: withPreEncodedEvents(),
    implementation: persistentSubscriptionsImplementation(service, store, options.access),
    methods: METHODS,
    close: () => service.close(),
  };
}

/** The generated definition, except that Read passes bytes encoded by read-response-encoding.ts through untouched. */
function withPreEncodedEvents(): ServiceDefinition {
  const read = PersistentSubscriptionsService.read;
  const serialize = read.responseSerialize;
  return {
    ...(PersistentSubscriptionsService as unknown as ServiceDefinition),
    read: {
      ...read,
      responseSerialize: (value: ReadResp | Uint8Array) =>
        value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : serialize(value),
    },
  } as ServiceDefinition;
}
