/**
 * The Users gRPC service (src/EventStore.Core/Services/Transport/Grpc/Users.cs) over the
 * UserDirectory: create, update, delete, enable, disable, details, change password and reset
 * password. As in the server's default policy (LegacyPolicySelectorFactory: Users.Read is
 * admins or the user named; ChangePassword the user named), everything but Details of oneself and
 * ChangePassword of oneself needs `$admins`. (The server's Details passes the caller's own name
 * as that parameter, so any authenticated user may read any user there; the emulator keeps the
 * policy's intent, so code that works here also works there.) Unknown logins answer `user-not-found`, an existing
 * one `user-conflict`, with the `login-name` trailer the client reads.
 */
import { UsersService } from '@eventstore/db-client/generated/users_grpc_pb';
import {
  type ChangePasswordReq,
  ChangePasswordResp,
  type CreateReq,
  CreateResp,
  type DeleteReq,
  DeleteResp,
  type DetailsReq,
  DetailsResp,
  type DisableReq,
  DisableResp,
  type EnableReq,
  EnableResp,
  type ResetPasswordReq,
  ResetPasswordResp,
  type UpdateReq,
  UpdateResp,
} from '@eventstore/db-client/generated/users_pb';
import * as grpc from '@grpc/grpc-js';
import type { AccessControl } from '../server/access-control';
import { errors, type RpcError, replyError, rpcError, sendError } from '../server/errors';
import type { ServiceModule, SupportedMethod } from '../service-module';
import { ADMINS, UserConflictError, type UserDirectory, UserNotFoundError, type UserRecord } from './user-directory';

const SERVICE = 'event_store.client.users.Users';

function toRpc(error: unknown): RpcError {
  if (error instanceof UserNotFoundError)
    return rpcError(grpc.status.NOT_FOUND, error.message, { exception: 'user-not-found', 'login-name': error.login });
  if (error instanceof UserConflictError)
    return rpcError(grpc.status.FAILED_PRECONDITION, error.message, { exception: 'user-conflict', 'login-name': error.login });
  if (error instanceof Denied) return errors.accessDenied();
  return errors.internal(error instanceof Error ? error.message : String(error));
}

class Denied extends Error {}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

function details(user: UserRecord): DetailsResp.UserDetails {
  // The timestamp of the user's last event (UserManagementService.Get).
  const ticks = user.lastUpdated;
  return new DetailsResp.UserDetails()
    .setLoginName(user.loginName)
    .setFullName(user.fullName)
    .setGroupsList([...user.groups])
    .setDisabled(user.disabled)
    .setLastUpdated(new DetailsResp.UserDetails.DateTime().setTicksSinceEpoch(ticks.toString()));
}

export function createUsersModule(users: UserDirectory, access: AccessControl): ServiceModule {
  /** `self`: the login the call is about, allowed to its own user as well as to admins. */
  const guard = (metadata: grpc.Metadata, self?: string) => {
    const caller = access.principal(metadata);
    if (!caller) throw new Denied();
    if (caller.groups.includes(ADMINS)) return;
    if (self !== undefined && caller.name === self) return;
    throw new Denied();
  };
  function unary<Req, Res>(work: (request: Req, metadata: grpc.Metadata) => Promise<Res> | Res): Unary<Req, Res> {
    return (call, callback) => {
      Promise.resolve()
        .then(() => work(call.request, call.metadata))
        .then(
          (response) => callback(null, response),
          (error: unknown) => replyError(callback, toRpc(error)),
        );
    };
  }
  const implementation: grpc.UntypedServiceImplementation = {
    create: unary<CreateReq, CreateResp>(async (request, metadata) => {
      guard(metadata);
      const o = request.getOptions();
      await users.create(o?.getLoginName() ?? '', o?.getFullName() ?? '', o?.getGroupsList() ?? [], o?.getPassword() ?? '');
      return new CreateResp();
    }),
    update: unary<UpdateReq, UpdateResp>(async (request, metadata) => {
      guard(metadata);
      const o = request.getOptions();
      const login = o?.getLoginName() ?? '';
      // Users.Update.cs passes login, full name and groups on: the request's password is not used.
      await users.update(login, { fullName: o?.getFullName() ?? '', groups: o?.getGroupsList() ?? [] });
      return new UpdateResp();
    }),
    delete: unary<DeleteReq, DeleteResp>(async (request, metadata) => {
      guard(metadata);
      await users.delete(request.getOptions()?.getLoginName() ?? '');
      return new DeleteResp();
    }),
    enable: unary<EnableReq, EnableResp>(async (request, metadata) => {
      guard(metadata);
      await users.setDisabled(request.getOptions()?.getLoginName() ?? '', false);
      return new EnableResp();
    }),
    disable: unary<DisableReq, DisableResp>(async (request, metadata) => {
      guard(metadata);
      await users.setDisabled(request.getOptions()?.getLoginName() ?? '', true);
      return new DisableResp();
    }),
    changePassword: unary<ChangePasswordReq, ChangePasswordResp>(async (request, metadata) => {
      const o = request.getOptions();
      const login = o?.getLoginName() ?? '';
      guard(metadata, login);
      // The server checks the current password first (UserManagementService, ChangePassword).
      if (!users.checkPassword(login, o?.getCurrentPassword() ?? '')) throw new Denied();
      await users.setPassword(login, o?.getNewPassword() ?? '');
      return new ChangePasswordResp();
    }),
    resetPassword: unary<ResetPasswordReq, ResetPasswordResp>(async (request, metadata) => {
      guard(metadata);
      const o = request.getOptions();
      await users.setPassword(o?.getLoginName() ?? '', o?.getNewPassword() ?? '');
      return new ResetPasswordResp();
    }),
    details: (call: grpc.ServerWritableStream<DetailsReq, DetailsResp>) => {
      try {
        const login = call.request.getOptions()?.getLoginName() ?? '';
        guard(call.metadata, login === '' ? undefined : login);
        const list = login === '' ? users.list() : [users.get(login)];
        for (const user of list) call.write(new DetailsResp().setUserDetails(details(user)));
        call.end();
      } catch (error) {
        sendError(call, toRpc(error));
      }
    },
  };
  const methods: SupportedMethod[] = ['Create', 'Update', 'Delete', 'Disable', 'Enable', 'Details', 'ChangePassword', 'ResetPassword'].map(
    (methodName) => ({ serviceName: SERVICE, methodName, features: [] }),
  );
  return { definition: UsersService, implementation, methods, close: async () => {} };
}
