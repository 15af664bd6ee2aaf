/**
 * Basic-auth users. With users configured, every call but ServerFeatures must carry valid
 * credentials: a wrong password is UNAUTHENTICATED and a missing one is access denied, as
 * EventStoreDB 23.10 answers with anonymous access disabled (its default). ACLs are not
 * enforced: any known user may do anything.
 */
import { timingSafeEqual } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type { ServiceModule } from '../service-module';
import { errors, type RpcError, replyError, sendError } from './errors';

export interface EmulatorUser {
  readonly username: string;
  readonly password: string;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks a call's `authorization` header against the users; undefined means the call may
 * proceed (always, when no users are configured).
 */
export function checkCredentials(metadata: grpc.Metadata, users: readonly EmulatorUser[] | undefined): RpcError | undefined {
  if (!users || users.length === 0) return undefined;
  const header = metadata.get('authorization')[0];
  if (typeof header !== 'string' || header.length === 0) return errors.accessDenied();
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match) return errors.unauthenticated();
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return errors.unauthenticated();
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const user = users.find((u) => u.username === username);
  return user && sameText(user.password, password) ? undefined : errors.unauthenticated();
}

/** The server's built-in groups an operation may require. */
export type Role = '$admins' | '$ops';

/**
 * The groups of the (already authenticated) caller: the real server's built-in users, `admin`
 * in `$admins` and `ops` in `$ops` (UserManagementService's defaults); anyone else is in none.
 */
export function rolesOf(metadata: grpc.Metadata): readonly Role[] {
  const header = metadata.get('authorization')[0];
  if (typeof header !== 'string') return [];
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match) return [];
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const username = decoded.slice(0, Math.max(0, decoded.indexOf(':')));
  if (username === 'admin') return ['$admins'];
  if (username === 'ops') return ['$ops'];
  return [];
}

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

/** Wraps every handler of a service so that calls without valid credentials are refused first. */
export function requireCredentials(module: ServiceModule, users: readonly EmulatorUser[] | undefined): ServiceModule {
  if (!users || users.length === 0) return module;
  return requireAuthentication(module, (metadata) => checkCredentials(metadata, users));
}

/** Wraps every handler of a service so that calls `check` refuses are answered with its error first. */
export function requireAuthentication(module: ServiceModule, check: (metadata: grpc.Metadata) => RpcError | undefined): ServiceModule {
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(module.definition)) {
    const handler = module.implementation[name];
    if (!handler) continue;
    const streamingResponse = method.responseStream;
    implementation[name] = ((call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => {
      const refused = check(call.metadata);
      if (refused) {
        if (streamingResponse) sendError(call as grpc.ServerWritableStream<unknown, unknown>, refused);
        else if (callback) replyError(callback, refused);
        return;
      }
      (handler as (call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => void)(call, callback);
    }) as grpc.UntypedHandleCall;
  }
  return { ...module, implementation };
}
