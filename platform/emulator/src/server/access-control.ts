/**
 * What each call may do. Without `--auth` everything is allowed (the emulator's default, like
 * an insecure node). With it, a call runs as the user its Basic credentials name (checked
 * against the UserDirectory), stream operations follow the streams' ACLs (stream-acl.ts) and
 * administrative operations need the server's roles (`$ops` / `$admins`).
 */
import type * as grpc from '@grpc/grpc-js';
import type { Store } from '../store/store';
import { mayAccess, type StreamAccess } from '../users/stream-acl';
import { ADMINS, OPS, type Principal, type UserDirectory } from '../users/user-directory';
import { errors, type RpcError } from './errors';

export interface AccessControl {
  readonly enabled: boolean;
  /** The caller, or undefined when anonymous (or auth is off). */
  principal(metadata: grpc.Metadata): Principal | undefined;
  /** AccessDenied unless the caller may perform `access` on `stream`. */
  checkStream(metadata: grpc.Metadata, stream: string, access: StreamAccess): RpcError | undefined;
  /** AccessDenied unless the caller is in one of `roles` (or is the built-in login the server matches with it). */
  checkRole(metadata: grpc.Metadata, roles: readonly string[]): RpcError | undefined;
}

/**
 * The server's Admins and OperationsOrAdmins claim sets hold a role and a login each (`$admins`
 * or `admin`, `$ops` or `ops`: src/EventStore.Core/Authorization/LegacyAuthorizationProviderFactory.cs),
 * so a built-in user taken out of its group keeps its rights there.
 */
const ROLE_LOGINS: Readonly<Record<string, string>> = { [ADMINS]: 'admin', [OPS]: 'ops' };

export const OPEN_ACCESS: AccessControl = {
  enabled: false,
  principal: () => undefined,
  checkStream: () => undefined,
  checkRole: () => undefined,
};

function basic(metadata: grpc.Metadata): { login: string; password: string } | undefined {
  const header = metadata.get('authorization')[0];
  if (typeof header !== 'string') return undefined;
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function userAccessControl(store: Store, users: UserDirectory): AccessControl {
  const principal = (metadata: grpc.Metadata): Principal | undefined => {
    const credentials = basic(metadata);
    return credentials ? users.authenticate(credentials.login, credentials.password) : undefined;
  };
  return {
    enabled: true,
    principal,
    checkStream: (metadata, stream, access) => (mayAccess(store, principal(metadata), stream, access) ? undefined : errors.accessDenied()),
    checkRole: (metadata, roles) => {
      const caller = principal(metadata);
      return caller && roles.some((role) => caller.groups.includes(role) || ROLE_LOGINS[role] === caller.name)
        ? undefined
        : errors.accessDenied();
    },
  };
}

/**
 * The authentication step in front of every service but Gossip and ServerFeatures: credentials
 * that name no user (or a wrong password) are UNAUTHENTICATED, as the server answers; calls
 * without credentials go on as anonymous, and the ACLs then refuse what anonymous may not do.
 */
export function authenticationCheck(users: UserDirectory) {
  return (metadata: grpc.Metadata): RpcError | undefined => {
    const header = metadata.get('authorization')[0];
    if (header === undefined) return undefined;
    const credentials = basic(metadata);
    return credentials && users.authenticate(credentials.login, credentials.password) ? undefined : errors.unauthenticated();
  };
}
