import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod as SupportedMethodMessage, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import type * as grpc from '@grpc/grpc-js';
import type { ServiceModule, SupportedMethod } from '../service-module';

/**
 * The version reported to clients. 23.10 or later makes @eventstore/db-client use
 * BatchAppend and gRPC persistent-subscription info wherever the methods are advertised.
 */
export const SERVER_VERSION = '23.10.0';

/**
 * ServerFeatures.GetSupportedMethods: every method the other modules serve, lower-cased as
 * EventStoreDB sends them (ServerFeatures.cs), plus this one.
 */
export function createServerFeaturesModule(methodsOf: () => readonly SupportedMethod[]): ServiceModule {
  const own: SupportedMethod = {
    serviceName: 'event_store.client.server_features.ServerFeatures',
    methodName: 'GetSupportedMethods',
    features: [],
  };
  const implementation: grpc.UntypedServiceImplementation = {
    getSupportedMethods: (_call: grpc.ServerUnaryCall<unknown, SupportedMethods>, callback: grpc.sendUnaryData<SupportedMethods>) => {
      const response = new SupportedMethods().setEventStoreServerVersion(SERVER_VERSION);
      for (const method of [own, ...methodsOf()]) {
        response.addMethods(
          new SupportedMethodMessage()
            .setServiceName(method.serviceName.toLowerCase())
            .setMethodName(method.methodName.toLowerCase())
            .setFeaturesList([...method.features]),
        );
      }
      callback(null, response);
    },
  };
  return { definition: ServerFeaturesService, implementation, methods: [own], close: async () => {} };
}
