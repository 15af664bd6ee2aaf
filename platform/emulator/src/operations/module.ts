/**
 * The Operations service a single node serves (src/EventStore.Core/Services/Transport/Grpc/
 * Operations.cs): Shutdown stops the node (as SIGTERM does); RestartPersistentSubscriptions
 * restarts that subsystem; MergeIndexes, StartScavenge and StopScavenge are accepted and answer
 * as the server does, with nothing to do (the emulator's log has no chunks to scavenge or
 * index tables to merge). With users configured, each needs a member of `$ops` or `$admins`:
 * the server's default (legacy) policy grants OperationsOrAdmins to Node.Shutdown,
 * Node.MergeIndexes, Node.Scavenge.Start/Stop and Subscriptions.Restart, the operation
 * RestartPersistentSubscriptions checks (Operations.Admin.cs, LegacyPolicySelectorFactory.cs).
 */
import { randomUUID } from 'node:crypto';
import { OperationsService } from '@eventstore/db-client/generated/operations_grpc_pb';
import { ScavengeResp, type StopScavengeReq } from '@eventstore/db-client/generated/operations_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import type { Role } from '../server/auth';
import { errors, replyError, rpcError } from '../server/errors';
import type { ServiceModule, SupportedMethod } from '../service-module';

const SERVICE = 'event_store.client.operations.Operations';

export interface OperationsTarget {
  /** Stops the whole node; the answer goes out first. */
  shutdown(): void;
  restartPersistentSubscriptions(): Promise<void>;
  /** Whether the caller is in one of `roles` (always true when the node checks no credentials). */
  authorize(metadata: grpc.Metadata, roles: readonly Role[]): boolean;
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

function guarded<Req, Res>(target: OperationsTarget, roles: readonly Role[], handle: Unary<Req, Res>): Unary<Req, Res> {
  return (call, callback) => {
    if (!target.authorize(call.metadata, roles)) {
      replyError(callback, errors.accessDenied());
      return;
    }
    handle(call, callback);
  };
}

const OPERATORS: readonly Role[] = ['$ops', '$admins'];

export function createOperationsModule(target: OperationsTarget): ServiceModule {
  /** Scavenges "started" by this node: the server answers StopScavenge for others with scavenge-not-found. */
  const scavenges = new Set<string>();
  const implementation: grpc.UntypedServiceImplementation = {
    shutdown: guarded<Empty, Empty>(target, OPERATORS, (_call, callback) => {
      callback(null, new Empty());
      // After the answer is on its way: the shutdown then aborts every other call.
      setImmediate(() => target.shutdown());
    }),
    restartPersistentSubscriptions: guarded<Empty, Empty>(target, OPERATORS, (_call, callback) => {
      target.restartPersistentSubscriptions().then(
        () => callback(null, new Empty()),
        (error: unknown) => replyError(callback, errors.internal(error instanceof Error ? error.message : String(error))),
      );
    }),
    mergeIndexes: guarded<Empty, Empty>(target, OPERATORS, (_call, callback) => callback(null, new Empty())),
    startScavenge: guarded<unknown, ScavengeResp>(target, OPERATORS, (_call, callback) => {
      const id = randomUUID();
      scavenges.add(id);
      callback(null, new ScavengeResp().setScavengeId(id).setScavengeResult(ScavengeResp.ScavengeResult.STARTED));
    }),
    stopScavenge: guarded<StopScavengeReq, ScavengeResp>(target, OPERATORS, (call, callback) => {
      const id = call.request.getOptions()?.getScavengeId() ?? '';
      // An id this node did not start: the server's RpcExceptions.ScavengeNotFound (status and message).
      if (!scavenges.delete(id)) {
        replyError(
          callback,
          rpcError(grpc.status.NOT_FOUND, 'Scavenge id was invalid.', { exception: 'scavenge-not-found', 'scavenge-id': id }),
        );
        return;
      }
      callback(null, new ScavengeResp().setScavengeId(id).setScavengeResult(ScavengeResp.ScavengeResult.STOPPED));
    }),
  };
  const methods: SupportedMethod[] = ['Shutdown', 'RestartPersistentSubscriptions', 'MergeIndexes', 'StartScavenge', 'StopScavenge'].map(
    (methodName) => ({ serviceName: SERVICE, methodName, features: [] }),
  );
  return { definition: OperationsService, implementation, methods, close: async () => {} };
}
