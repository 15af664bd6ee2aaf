/**
 * The node's users, stored as the server's UserManagementService stores them: one
 * `$user-<login>` stream per user (`$UserCreated`, then `$UserUpdated` / `$PasswordChanged`,
 * `$UserDeleted`), and `$users` listing logins (`$User` events). With auth on, a fresh node gets
 * the built-in `admin` (in `$admins`) and `ops` (in `$ops`), password `changeit`, as the server
 * creates them on first start. Passwords are kept as salted PBKDF2 hashes, never in clear.
 */
import { pbkdf2Sync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store';

export const ADMINS = '$admins';
export const OPS = '$ops';
const DEFAULT_PASSWORD = 'changeit';
const USERS_STREAM = '$users';
export const userStream = (login: string) => `$user-${login}`;
/** Enough to make guessing slow, little enough that a cold authentication stays in milliseconds. */
const HASH_ITERATIONS = 10_000;

export interface UserRecord {
  readonly loginName: string;
  readonly fullName: string;
  readonly groups: readonly string[];
  readonly disabled: boolean;
  readonly salt: string;
  readonly hash: string;
  readonly dateLastUpdated: string;
}

/** Who a call runs as. */
export interface Principal {
  readonly name: string;
  readonly groups: readonly string[];
}

export class UserNotFoundError extends Error {
  constructor(readonly login: string) {
    super(`User '${login}' not found.`);
  }
}
export class UserConflictError extends Error {
  constructor(readonly login: string) {
    super(`User '${login}' already exists.`);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function hashOf(password: string, salt: string): string {
  return pbkdf2Sync(password, Buffer.from(salt, 'base64'), HASH_ITERATIONS, 32, 'sha256').toString('base64');
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
      const stream = userStream(login);
      const last = this.store.streamState(stream).lastRevision;
      const record = last === undefined ? undefined : this.store.readStream(stream, last, 'backwards', 1n)[0];
      if (!record || record.type === '$UserDeleted') continue;
      this.users.set(login, JSON.parse(decoder.decode(record.data)) as UserRecord);
    }
    if (this.users.size === 0 && this.store.streamState(USERS_STREAM).lastRevision === undefined) {
      await this.create('admin', 'Event Store Administrator', [ADMINS], DEFAULT_PASSWORD);
      await this.create('ops', 'Event Store Operations', [OPS], DEFAULT_PASSWORD);
    }
  }

  /** The principal for a login and password, or undefined (unknown, disabled or wrong password). */
  authenticate(login: string, password: string): Principal | undefined {
    const key = `${login}\u0000${password}`;
    const cached = this.verified.get(key);
    if (cached) return cached;
    const user = this.users.get(login);
    if (!user || user.disabled) return undefined;
    const expected = Buffer.from(user.hash, 'base64');
    const actual = Buffer.from(hashOf(password, user.salt), 'base64');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    const principal = { name: login, groups: [...user.groups] };
    this.verified.set(key, principal);
    return principal;
  }

  get(login: string): UserRecord {
    const user = this.users.get(login);
    if (!user) throw new UserNotFoundError(login);
    return user;
  }

  list(): UserRecord[] {
    return [...this.users.values()];
  }

  async create(login: string, fullName: string, groups: readonly string[], password: string): Promise<void> {
    if (this.users.has(login)) throw new UserConflictError(login);
    const salt = randomBytes(16).toString('base64');
    const user: UserRecord = {
      loginName: login,
      fullName,
      groups: [...groups],
      disabled: false,
      salt,
      hash: hashOf(password, salt),
      dateLastUpdated: new Date().toISOString(),
    };
    await this.write(userStream(login), '$UserCreated', user);
    await this.store.append(USERS_STREAM, { kind: 'any' }, [
      { id: randomUUID(), type: '$User', contentType: 'application/octet-stream', data: encoder.encode(login), metadata: new Uint8Array() },
    ]);
    this.users.set(login, user);
    this.verified.clear();
  }

  async update(login: string, changes: Partial<Pick<UserRecord, 'fullName' | 'groups' | 'disabled'>>): Promise<void> {
    const user = { ...this.get(login), ...changes, dateLastUpdated: new Date().toISOString() };
    await this.write(userStream(login), '$UserUpdated', user);
    this.users.set(login, user);
    this.verified.clear();
  }

  async setPassword(login: string, password: string): Promise<void> {
    const salt = randomBytes(16).toString('base64');
    const user = { ...this.get(login), salt, hash: hashOf(password, salt), dateLastUpdated: new Date().toISOString() };
    await this.write(userStream(login), '$PasswordChanged', user);
    this.users.set(login, user);
    this.verified.clear();
  }

  /** Whether `password` is the user's current one (ChangePassword checks it first). */
  checkPassword(login: string, password: string): boolean {
    const user = this.get(login);
    return hashOf(password, user.salt) === user.hash;
  }

  async delete(login: string): Promise<void> {
    const user = this.get(login);
    await this.write(userStream(login), '$UserDeleted', { loginName: user.loginName });
    this.users.delete(login);
    this.verified.clear();
  }

  private async write(stream: string, type: string, body: unknown): Promise<void> {
    const outcome = await this.store.append(stream, { kind: 'any' }, [
      { id: randomUUID(), type, contentType: 'application/json', data: encoder.encode(JSON.stringify(body)), metadata: new Uint8Array() },
    ]);
    if (outcome.kind !== 'success') throw new Error(`writing ${stream}: ${outcome.kind}`);
  }
}
