/**
 * Who may do what to a stream, as the server's StreamPermissionAssertion decides it with the
 * default (legacy) policy: members of `$admins` may do anything; otherwise the stream's `$acl`
 * (in its metadata, `$$<stream>`) grants `$r` read, `$w` write, `$d` delete, `$mr` metadata
 * read and `$mw` metadata write to roles (a user name, a group, or `$all` for any
 * authenticated user); what a stream's `$acl` leaves out comes from the defaults in the last
 * `$settings` event (`$userStreamAcl` for user streams, `$systemStreamAcl` for `$`-streams),
 * and without those from the server's built-in defaults: everyone on user streams, admins on
 * system streams. `$all` is a system stream (its ACL lives in `$$$all`). Anonymous callers get
 * nothing: 23.10 disables anonymous stream access by default.
 */
import type { Store } from '../store/store';
import { ADMINS, type Principal } from './user-directory';

export type StreamAccess = 'read' | 'write' | 'delete' | 'metaRead' | 'metaWrite';

const KEYS: Record<StreamAccess, string> = { read: '$r', write: '$w', delete: '$d', metaRead: '$mr', metaWrite: '$mw' };
const ALL_ROLE = '$all';
const ALL_STREAM = '$all';
const SETTINGS_STREAM = '$settings';

type Acl = Readonly<Record<string, unknown>>;

const BUILT_IN_USER_ACL: Acl = { $r: ALL_ROLE, $w: ALL_ROLE, $d: ALL_ROLE, $mr: ALL_ROLE, $mw: ALL_ROLE };
const BUILT_IN_SYSTEM_ACL: Acl = { $r: ADMINS, $w: ADMINS, $d: ADMINS, $mr: ADMINS, $mw: ADMINS };

const decoder = new TextDecoder();

function lastJson(store: Store, stream: string): Record<string, unknown> | undefined {
  const last = store.streamState(stream).lastRevision;
  const event = last === undefined ? undefined : store.readStream(stream, last, 'backwards', 1n)[0];
  if (!event) return undefined;
  try {
    const parsed: unknown = JSON.parse(decoder.decode(event.data));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function asAcl(value: unknown): Acl | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Acl) : undefined;
}

function roles(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return undefined;
}

/** Whether `principal` (undefined: anonymous) may perform `access` on `stream`. */
export function mayAccess(store: Store, principal: Principal | undefined, stream: string, access: StreamAccess): boolean {
  if (!principal) return false;
  // LegacyStreamPermissionAssertion, before any role: nobody writes to or deletes `$all`, and a
  // metastream can only be read or written (its stream's metadata rights), never deleted.
  if (stream === ALL_STREAM && (access === 'write' || access === 'delete')) return false;
  if (stream.startsWith('$$')) {
    if (access !== 'read' && access !== 'write') return false;
    return mayAccess(store, principal, stream.slice(2), access === 'read' ? 'metaRead' : 'metaWrite');
  }
  if (principal.groups.includes(ADMINS)) return true;
  const key = KEYS[access];
  const system = stream.startsWith('$');
  const own = asAcl(lastJson(store, `$$${stream}`)?.['$acl']);
  let granted = roles(own?.[key]);
  if (granted === undefined) {
    const settings = lastJson(store, SETTINGS_STREAM);
    const defaults =
      asAcl(settings?.[system ? '$systemStreamAcl' : '$userStreamAcl']) ?? (system ? BUILT_IN_SYSTEM_ACL : BUILT_IN_USER_ACL);
    granted = roles(defaults[key]) ?? roles((system ? BUILT_IN_SYSTEM_ACL : BUILT_IN_USER_ACL)[key]) ?? [];
  }
  return granted.some((role) => role === ALL_ROLE || role === principal.name || principal.groups.includes(role));
}
