import type * as grpc from '@grpc/grpc-js';

/** One method as ServerFeatures.GetSupportedMethods advertises it. */
export interface SupportedMethod {
  readonly serviceName: string;
  readonly methodName: string;
  readonly features: readonly string[];
}

/** A gRPC service the emulator serves, with what it advertises and what it must release on close. */
export interface ServiceModule {
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
  readonly methods: readonly SupportedMethod[];
  /**
   * At shutdown, before any call is aborted: finish what was accepted (appends in flight become
   * durable and are answered) and take nothing new.
   */
  drain?(): Promise<void>;
  close(): Promise<void>;
}
