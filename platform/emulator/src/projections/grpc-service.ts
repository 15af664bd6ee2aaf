/**
 * The Projections gRPC service (src/EventStore.Projections.Core/Services/Grpc/ProjectionManagement.*.cs):
 * create (continuous, one-time, transient), update, delete, enable, disable, reset, statistics,
 * state, result and restart subsystem, over the ProjectionManager. The standard projections are
 * listed too (Running when the node runs them); they are not user-defined and cannot be changed.
 */
import { ProjectionsService } from '@eventstore/db-client/generated/projections_grpc_pb';
import {
  type CreateReq,
  CreateResp,
  type DeleteReq,
  DeleteResp,
  type DisableReq,
  DisableResp,
  type EnableReq,
  EnableResp,
  type ResetReq,
  ResetResp,
  type ResultReq,
  ResultResp,
  type StateReq,
  StateResp,
  type StatisticsReq,
  StatisticsResp,
  UpdateReq,
  UpdateResp,
} from '@eventstore/db-client/generated/projections_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import { type AccessControl, OPEN_ACCESS } from '../server/access-control';
import { errors, type RpcError, replyError, rpcError, sendError } from '../server/errors';
import type { ServiceModule, SupportedMethod } from '../service-module';
import {
  ProjectionExistsError,
  type ProjectionManager,
  ProjectionNotFoundError,
  ProjectionOperationError,
  type ProjectionView,
} from './projection-manager';
import type { StandardProjections } from './standard-control';
import { SYSTEM_PROJECTIONS, type SystemProjectionName } from './standard-projections';
import type { ProjectionMode } from './user-projection';

type StructValue = NonNullable<Parameters<StateResp['setState']>[0]>;
const structModule = require('google-protobuf/google/protobuf/struct_pb') as { Value: { fromJavaScript(value: unknown): StructValue } };

const SERVICE = 'event_store.client.projections.Projections';

function toRpc(error: unknown): RpcError {
  if (error instanceof ProjectionNotFoundError) return rpcError(grpc.status.NOT_FOUND, error.message);
  if (error instanceof ProjectionExistsError) return rpcError(grpc.status.ALREADY_EXISTS, error.message);
  if (error instanceof ProjectionOperationError) return rpcError(grpc.status.FAILED_PRECONDITION, error.message);
  return errors.internal(error instanceof Error ? error.message : String(error));
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

function unary<Req, Res>(work: (request: Req) => Promise<Res> | Res): Unary<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => work(call.request))
      .then(
        (response) => callback(null, response),
        (error: unknown) => replyError(callback, toRpc(error)),
      );
  };
}

function required(name: string | undefined): string {
  if (!name) throw new ProjectionOperationError('A projection name is required.');
  return name;
}

function details(view: ProjectionView): StatisticsResp.Details {
  return new StatisticsResp.Details()
    .setName(view.name)
    .setEffectivename(view.name)
    .setMode(view.mode)
    .setStatus(view.status)
    .setStatereason(view.reason)
    .setPosition(view.position)
    .setLastcheckpoint(view.position)
    .setProgress(view.status === 'Running' || view.status.startsWith('Completed') ? 100 : 0)
    .setEventsprocessedafterrestart(String(view.eventsProcessed))
    .setVersion('1')
    .setEpoch('-1')
    .setCoreprocessingtime('0')
    .setBufferedevents('0')
    .setCheckpointstatus('');
}

function jsonValue(text: string | undefined): StructValue {
  return structModule.Value.fromJavaScript(text === undefined ? {} : JSON.parse(text));
}

/**
 * The roles each Projections RPC needs, as the 23.10 server's default (legacy) policy grants
 * them (src/EventStore.Core/Authorization/LegacyAuthorizationProviderFactory.cs, checked by
 * each src/EventStore.Projections.Core/Services/Grpc/ProjectionManagement.*.cs through
 * CheckAccessAsync): Delete and Restart are OperationsOrAdmins; Create (also what Reset asks
 * for), Update, Enable, Disable, Statistics, State and Result need an authenticated caller.
 */
const PROJECTION_ROLES: Readonly<Record<string, readonly string[] | 'authenticated'>> = {
  create: 'authenticated',
  update: 'authenticated',
  delete: ['$ops', '$admins'],
  statistics: 'authenticated',
  disable: 'authenticated',
  enable: 'authenticated',
  reset: 'authenticated',
  state: 'authenticated',
  result: 'authenticated',
  restartSubsystem: ['$ops', '$admins'],
};

function withPolicy(access: AccessControl, implementation: grpc.UntypedServiceImplementation): grpc.UntypedServiceImplementation {
  if (!access.enabled) return implementation;
  const guarded: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    // An RPC missing from the table is refused to everyone: a new one must be given its roles.
    const roles = PROJECTION_ROLES[name] ?? [];
    guarded[name] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => {
      const denied =
        roles === 'authenticated'
          ? access.principal(call.metadata)
            ? undefined
            : errors.accessDenied()
          : access.checkRole(call.metadata, roles);
      if (denied) {
        if (callback) replyError(callback, denied);
        else sendError(call as unknown as grpc.ServerWritableStream<unknown, unknown>, denied);
        return;
      }
      (handler as (call: grpc.ServerUnaryCall<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => void)(call, callback);
    }) as grpc.UntypedHandleCall;
  }
  return guarded;
}

export function createProjectionsModule(
  manager: ProjectionManager,
  standard: StandardProjections | undefined,
  access: AccessControl = OPEN_ACCESS,
): ServiceModule {
  const systemView = (name: SystemProjectionName): ProjectionView => {
    const enabled = standard?.isEnabled(name) ?? false;
    const status = enabled ? standard?.status() : undefined;
    return {
      name,
      mode: 'Continuous',
      status: status?.fault !== undefined ? 'Faulted' : enabled ? 'Running' : 'Stopped',
      reason: status?.fault ?? '',
      position: status ? `C:${status.position}/P:${status.position}` : '',
      eventsProcessed: 0,
      enabled,
    };
  };
  const isSystem = (name: string): name is SystemProjectionName => (SYSTEM_PROJECTIONS as readonly string[]).includes(name);
  const viewOf = (name: string) => (isSystem(name) && !manager.has(name) ? systemView(name) : manager.view(name));
  const refuseSystem = (name: string, what: string) => {
    if (isSystem(name)) {
      throw new ProjectionOperationError(
        `'${name}' is a standard projection: the emulator enables and disables it, but does not ${what} it.`,
      );
    }
  };
  /** enable / disable of a standard projection, as the server allows for any managed projection. */
  const setStandard = async (name: SystemProjectionName, enabled: boolean) => {
    if (!standard) {
      throw new ProjectionOperationError(`'${name}' is a standard projection: it runs with --run-projections system or all.`);
    }
    await standard.setEnabled(name, enabled);
  };

  const implementation: grpc.UntypedServiceImplementation = {
    create: unary<CreateReq, CreateResp>(async (request) => {
      const options = request.getOptions();
      if (!options) throw new ProjectionOperationError('Required field options is not set.');
      const query = options.getQuery();
      let name: string;
      let mode: ProjectionMode;
      let emitEnabled = false;
      if (options.hasContinuous()) {
        const continuous = options.getContinuous()!;
        name = required(continuous.getName());
        mode = 'Continuous';
        emitEnabled = continuous.getEmitEnabled();
      } else if (options.hasTransient()) {
        name = required(options.getTransient()!.getName());
        mode = 'Transient';
      } else if (options.hasOneTime()) {
        // The server names a one-time projection itself.
        name = `one-time-${Date.now().toString(36)}`;
        mode = 'OneTime';
      } else {
        throw new ProjectionOperationError('Required field mode (continuous, one_time or transient) is not set.');
      }
      refuseSystem(name, 'create');
      await manager.create({ name, query, mode, emitEnabled });
      return new CreateResp();
    }),
    update: unary<UpdateReq, UpdateResp>(async (request) => {
      const options = request.getOptions();
      const name = required(options?.getName());
      refuseSystem(name, 'update');
      const emit = options!.getEmitOptionCase() === UpdateReq.Options.EmitOptionCase.EMIT_ENABLED ? options!.getEmitEnabled() : undefined;
      await manager.update(name, options!.getQuery(), emit);
      return new UpdateResp();
    }),
    delete: unary<DeleteReq, DeleteResp>(async (request) => {
      const options = request.getOptions();
      const name = required(options?.getName());
      refuseSystem(name, 'delete');
      await manager.delete(name, {
        deleteCheckpointStream: options!.getDeleteCheckpointStream(),
        deleteStateStream: options!.getDeleteStateStream(),
      });
      return new DeleteResp();
    }),
    enable: unary<EnableReq, EnableResp>(async (request) => {
      const name = required(request.getOptions()?.getName());
      if (isSystem(name)) await setStandard(name, true);
      else await manager.enable(name);
      return new EnableResp();
    }),
    disable: unary<DisableReq, DisableResp>(async (request) => {
      const name = required(request.getOptions()?.getName());
      if (isSystem(name)) await setStandard(name, false);
      else await manager.disable(name, request.getOptions()!.getWriteCheckpoint());
      return new DisableResp();
    }),
    reset: unary<ResetReq, ResetResp>(async (request) => {
      const name = required(request.getOptions()?.getName());
      refuseSystem(name, 'reset');
      await manager.reset(name);
      return new ResetResp();
    }),
    state: unary<StateReq, StateResp>((request) => {
      const name = required(request.getOptions()?.getName());
      if (isSystem(name) && !manager.has(name)) return new StateResp().setState(jsonValue(undefined));
      return new StateResp().setState(jsonValue(manager.state(name, request.getOptions()!.getPartition())));
    }),
    result: unary<ResultReq, ResultResp>(async (request) => {
      const name = required(request.getOptions()?.getName());
      if (isSystem(name) && !manager.has(name)) return new ResultResp().setResult(jsonValue(undefined));
      return new ResultResp().setResult(jsonValue(await manager.result(name, request.getOptions()!.getPartition())));
    }),
    restartSubsystem: unary<Empty, Empty>(async () => {
      await manager.restart();
      return new Empty();
    }),
    statistics: (call: grpc.ServerWritableStream<StatisticsReq, StatisticsResp>) => {
      try {
        const options = call.request.getOptions();
        if (!options) throw new ProjectionOperationError('Required field options is not set.');
        let names: string[];
        if (options.hasName()) names = [options.getName()];
        else if (options.hasContinuous()) names = [...SYSTEM_PROJECTIONS, ...manager.names('Continuous')];
        else if (options.hasOneTime()) names = manager.names('OneTime');
        else if (options.hasTransient()) names = manager.names('Transient');
        else names = [...SYSTEM_PROJECTIONS, ...manager.names()];
        const views = names.map(viewOf);
        for (const view of views) call.write(new StatisticsResp().setDetails(details(view)));
        call.end();
      } catch (error) {
        sendError(call, toRpc(error));
      }
    },
  };
  const methods: SupportedMethod[] = [
    'Create',
    'Update',
    'Delete',
    'Statistics',
    'Disable',
    'Enable',
    'Reset',
    'State',
    'Result',
    'RestartSubsystem',
  ].map((methodName) => ({ serviceName: SERVICE, methodName, features: [] }));
  return { definition: ProjectionsService, implementation: withPolicy(access, implementation), methods, close: () => manager.close() };
}
