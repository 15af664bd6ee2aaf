/**
 * The node's users, stored as the server's UserManagementService stores them:
 * - one `$user-<login>` stream per user: `$UserCreated`, then a `$UserUpdated` for every change
 *   (details, groups, enable, disable, password), each carrying the whole user record as JSON
 *   (`loginName`, `fullName`, `salt`, `hash`, `disabled`, `groups`); the stream's metadata gets
 *   `$acl` `$w`/`$d`/`$mw` for `$admins` at creation (reads follow `$systemStreamAcl`); deleting a
 *   user soft-deletes the stream, so the login can be created again;
 * - `$users` lists logins (`$User` events, the login as the body);
 * - a change that invalidates cached credentials (update, disable, password, delete) also writes
 *   `$PasswordChanged` `{ "loginName" }` to `$users-password-notifications` (`$maxAge` one hour).
 * With auth on, a fresh node gets the built-in `admin` (in `$admins`) and `ops` (in `$ops`),
 * password `changeit`, as the server creates them when it first becomes leader. Passwords are
 * kept as salted PBKDF2 hashes, never in clear.
 */
import { pbkdf2Sync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ProposedEvent, Store } from '../store/store';

export const ADMINS = '$admins';
export const OPS = '$ops';
const DEFAULT_PASSWORD = 'changeit';
const USERS_STREAM = '$users';
const PASSWORD_NOTIFICATIONS_STREAM = '$users-password-notifications';
/** UserManagementService.BeginWritePasswordChangedEvent: notifications live an hour. */
const PASSWORD_NOTIFICATIONS_MAX_AGE_SECONDS = 60 * 60;
export const userStream = (login: string) => `$user-${login}`;
/** Enough to make guessing slow, little enough that a cold authentication stays in milliseconds. */
const HASH_ITERATIONS = 10_000;
/** Written before a `$user-` stream is first used: UserManagementService.WriteStreamAcl. */
const USER_STREAM_ACL = { $acl: { $w: ADMINS, $d: ADMINS, $mw: ADMINS } };

/** What `$user-<login>` events carry: the server's UserData, serialised as it does. */
interface StoredUser {
  readonly loginName: string;
  readonly fullName: string;
  readonly salt: string;
  readonly hash: string;
  readonly disabled: boolean;
  readonly groups: readonly string[];
}

export interface UserRecord extends StoredUser {
  /** When the user's last event was written, in .NET ticks since the Unix epoch (Details' last_updated). */
  readonly lastUpdated: bigint;
}

/** Who a call runs as. */
export interface Principal {
  readonly name: string;
  readonly groups: readonly string[];
}

/** RpcExceptions.LoginNotFound's message. */
export class UserNotFoundError extends Error {
  constructor(readonly login: string) {
    super(`User '${login}' is not found.`);
  }
}
/** RpcExceptions.LoginConflict's message. */
export class UserConflictError extends Error {
  constructor(readonly login: string) {
    super('Conflict.');
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function hashOf(password: string, salt: string): string {
  return pbkdf2Sync(password, Buffer.from(salt, 'base64'), HASH_ITERATIONS, 32, 'sha256').toString('base64');
}

function json(type: string, body: unknown): ProposedEvent {
  return {
    id: randomUUID(),
    type,
    contentType: 'application/json',
    data: encoder.encode(JSON.stringify(body)),
    metadata: new Uint8Array(),
  };
}

export class UserDirectory {
  private readonly users = new Map<string, UserRecord>();
  /** Credentials already verified, so each call does not pay for PBKDF2; cleared on any change. */
  private readonly verified = new Map<string, Principal>();

  constructor(private readonly store: Store) {}

  /** Loads the stored users; on a node without any, writes the built-in admin and ops. */
  async load(): Promise<void> {
    for (const event of this.store.readStream(USERS_STREAM, 0n, 'forwards', BigInt(Number.MAX_SAFE_INTEGER))) {
      const login = decoder.decode(event.data);
      const record = this.lastEvent(userStream(login));
      // A deleted user's stream is soft-deleted: it reads as empty.
      if (!record) continue;
      this.users.set(login, { ...(JSON.parse(decoder.decode(record.data)) as StoredUser), lastUpdated: record.created });
    }
    // UserManagementService on BecomeLeader: each built-in user whose stream reads as empty
    // (never created, or deleted) is created.
    if (!this.users.has('admin')) await this.create('admin', 'Event Store Administrator', [ADMINS], DEFAULT_PASSWORD);
    if (!this.users.has('ops')) await this.create('ops', 'Event Store Operations', [OPS], DEFAULT_PASSWORD);
  }

  /** The principal for a login and password, or undefined (unknown, disabled or wrong password). */
  authenticate(login: string, password: string): Principal | undefined {
    const key = `${login}\u0000${password}`;
    const cached = this.verified.get(key);
    if (cached) return cached;
    const user = this.users.get(login);
    if (!user || user.disabled || !this.matches(user, password)) return undefined;
    const principal = { name: login, groups: [...user.groups] };
    this.verified.set(key, principal);
    return principal;
  }

  get(login: string): UserRecord {
    const user = this.users.get(login);
    if (!user) throw new UserNotFoundError(login);
    return user;
  }

  /** Every user, ordered by login as the server's GetAll answers. */
  list(): UserRecord[] {
    return [...this.users.values()].sort((a, b) => (a.loginName < b.loginName ? -1 : a.loginName > b.loginName ? 1 : 0));
  }

  /**
   * Creates a user. As UserManagementService.Create: creating an existing user again with its
   * current password succeeds and changes nothing; with another password it is a conflict.
   */
  async create(login: string, fullName: string, groups: readonly string[], password: string): Promise<void> {
    const existing = this.users.get(login);
    if (existing) {
      if (this.matches(existing, password)) return;
      throw new UserConflictError(login);
    }
    const salt = randomBytes(16).toString('base64');
    const user: StoredUser = { loginName: login, fullName, salt, hash: hashOf(password, salt), disabled: false, groups: [...groups] };
    // A login created again after a delete keeps the metadata its delete left (the ACL, and the
    // truncation that hides the deleted user's events).
    if (this.store.streamState(`$$${userStream(login)}`).lastRevision === undefined) {
      await this.append(`$$${userStream(login)}`, [json('$metadata', USER_STREAM_ACL)]);
    }
    const lastUpdated = await this.write(login, '$UserCreated', user);
    await this.append(USERS_STREAM, [
      { id: randomUUID(), type: '$User', contentType: 'application/octet-stream', data: encoder.encode(login), metadata: new Uint8Array() },
    ]);
    this.users.set(login, { ...user, lastUpdated });
    this.verified.clear();
  }

  /** Full name and groups (Users.Update: the request's password is not used). */
  async update(login: string, changes: Pick<StoredUser, 'fullName' | 'groups'>): Promise<void> {
    await this.change(login, { fullName: changes.fullName, groups: [...changes.groups] }, true);
  }

  /** Enabling changes no credentials (no password notification); disabling does. */
  async setDisabled(login: string, disabled: boolean): Promise<void> {
    await this.change(login, { disabled }, disabled);
  }

  async setPassword(login: string, password: string): Promise<void> {
    const salt = randomBytes(16).toString('base64');
    await this.change(login, { salt, hash: hashOf(password, salt) }, true);
  }

  /** Whether `password` is the user's current one (ChangePassword checks it first). */
  checkPassword(login: string, password: string): boolean {
    return this.matches(this.get(login), password);
  }

  async delete(login: string): Promise<void> {
    const user = this.get(login);
    const last = this.store.streamState(userStream(login)).lastRevision;
    const deleted = await this.store.delete(userStream(login), last === undefined ? { kind: 'any' } : { kind: 'revision', revision: last });
    if (deleted.kind !== 'success') throw new Error(`deleting ${userStream(login)}: ${deleted.kind}`);
    await this.notifyPasswordChanged(user.loginName);
    this.users.delete(login);
    this.verified.clear();
  }

  private async change(login: string, changes: Partial<StoredUser>, invalidatesCredentials: boolean): Promise<void> {
    const { lastUpdated: _, ...current } = this.get(login);
    const user: StoredUser = { ...current, ...changes };
    if (invalidatesCredentials) await this.notifyPasswordChanged(login);
    const lastUpdated = await this.write(login, '$UserUpdated', user);
    this.users.set(login, { ...user, lastUpdated });
    this.verified.clear();
  }

  private matches(user: StoredUser, password: string): boolean {
    const expected = Buffer.from(user.hash, 'base64');
    const actual = Buffer.from(hashOf(password, user.salt), 'base64');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  private async notifyPasswordChanged(login: string): Promise<void> {
    if (this.store.streamState(`$$${PASSWORD_NOTIFICATIONS_STREAM}`).lastRevision === undefined) {
      await this.append(`$$${PASSWORD_NOTIFICATIONS_STREAM}`, [json('$metadata', { $maxAge: PASSWORD_NOTIFICATIONS_MAX_AGE_SECONDS })]);
    }
    await this.append(PASSWORD_NOTIFICATIONS_STREAM, [json('$PasswordChanged', { loginName: login })]);
  }

  /** Writes one event of the user's stream; returns its timestamp. */
  private async write(login: string, type: string, user: StoredUser): Promise<bigint> {
    const stream = userStream(login);
    await this.append(stream, [json(type, user)]);
    return this.lastEvent(stream)?.created ?? 0n;
  }

  private async append(stream: string, events: readonly ProposedEvent[]): Promise<void> {
    const outcome = await this.store.append(stream, { kind: 'any' }, events);
    if (outcome.kind !== 'success') throw new Error(`writing ${stream}: ${outcome.kind}`);
  }

  private lastEvent(stream: string) {
    const last = this.store.streamState(stream).lastRevision;
    return last === undefined ? undefined : this.store.readStream(stream, last, 'backwards', 1n)[0];
  }
}
