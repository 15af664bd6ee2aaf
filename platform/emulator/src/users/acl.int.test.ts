import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AccessDeniedError,
  convertToCommandError,
  EventStoreDBClient,
  jsonEvent,
  LoginConflictError,
  LoginNotFoundError,
  persistentSubscriptionToStreamSettingsFromDefaults,
  type ResolvedEvent,
  START,
} from '@eventstore/db-client';
import { UsersClient } from '@eventstore/db-client/generated/users_grpc_pb';
import {
  ChangePasswordReq,
  CreateReq,
  DeleteReq,
  DetailsReq,
  type DetailsResp,
  DisableReq,
  EnableReq,
  ResetPasswordReq,
  UpdateReq,
} from '@eventstore/db-client/generated/users_pb';
import * as grpc from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '../server/start-emulator';
import { writeSelfSignedCert } from '../testing/self-signed-cert';
import { STORAGE_MODES, type TestStorage } from '../testing/storage-modes';

// @eventstore/db-client 6.2.1 has no Users API of its own: the Users service is called through
// the client's generated stubs, and its errors checked through the client's own conversion.

let dir: string;
let cert: string;
let emulator: Emulator;
let users: UsersClient;
const clients: EventStoreDBClient[] = [];

/** A client that runs as `user` (or anonymous). */
function clientAs(user?: string, password = 'changeit'): EventStoreDBClient {
  const credentials = user === undefined ? '' : `${user}:${password}@`;
  const client = EventStoreDBClient.connectionString(`esdb://${credentials}127.0.0.1:${emulator.port}?tls=true&tlsCAFile=${cert}`);
  clients.push(client);
  return client;
}

function basic(user: string, password: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
  return metadata;
}

type Unary<Req> = (request: Req, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null) => void) => unknown;
const call = <Req>(method: Unary<Req>, request: Req, metadata: grpc.Metadata) =>
  new Promise<void>((resolve, reject) => method.call(users, request, metadata, (error) => (error ? reject(error) : resolve())));

function details(login: string, metadata: grpc.Metadata): Promise<DetailsResp.UserDetails[]> {
  return new Promise((resolve, reject) => {
    const out: DetailsResp.UserDetails[] = [];
    const stream = users.details(new DetailsReq().setOptions(new DetailsReq.Options().setLoginName(login)), metadata);
    stream.on('data', (r: DetailsResp) => out.push(r.getUserDetails()!));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

async function readAll(client: EventStoreDBClient, stream: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of client.readStream(stream, { fromRevision: START })) out.push(e.event?.data);
  return out;
}

const admin = basic('admin', 'changeit');

let storage: TestStorage;
let key: string;

/** Starts the secure node on the current storage (again, for a restart). */
async function startSecure(): Promise<void> {
  emulator = await startEmulator({
    ...storage.options,
    port: 0,
    tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
    auth: true,
    // User projections too: the projections policy test creates one.
    runProjections: 'all',
  });
  users = new UsersClient(`127.0.0.1:${emulator.port}`, grpc.credentials.createSsl(fs.readFileSync(cert)));
}

async function stopSecure(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  users?.close();
  await emulator?.close();
}

describe.each(STORAGE_MODES)('a secure node (%s)', (mode, storageOf) => {
  beforeAll(async () => {
    storage = storageOf();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-acl-'));
    key = path.join(dir, 'key.pem');
    cert = path.join(dir, 'cert.pem');
    writeSelfSignedCert(key, cert);
    await startSecure();
    await call(
      users.create as Unary<CreateReq>,
      new CreateReq().setOptions(new CreateReq.Options().setLoginName('reader').setPassword('secret').setFullName('Order reader')),
      admin,
    );
  });

  afterAll(async () => {
    await stopSecure();
    fs.rmSync(dir, { recursive: true, force: true });
    storage.remove();
  });

  test('a user with read-only rights on an order stream reads it but cannot append, delete or change its metadata', async () => {
    const asAdmin = clientAs('admin');
    await asAdmin.appendToStream('order-1', jsonEvent({ type: 'OrderPlaced', data: { n: 1 } }));
    await asAdmin.setStreamMetadata('order-1', {
      acl: {
        readRoles: ['reader'],
        writeRoles: ['$admins'],
        deleteRoles: ['$admins'],
        metaReadRoles: ['$admins'],
        metaWriteRoles: ['$admins'],
      },
    });
    const reader = clientAs('reader', 'secret');
    expect(await readAll(reader, 'order-1')).toEqual([{ n: 1 }]);
    await expect(reader.appendToStream('order-1', jsonEvent({ type: 'OrderPlaced', data: { n: 2 } }))).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    await expect(reader.deleteStream('order-1')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(reader.setStreamMetadata('order-1', { maxCount: 1 })).rejects.toBeInstanceOf(AccessDeniedError);
    // The admin still may; the reader sees what the admin wrote.
    await asAdmin.appendToStream('order-1', jsonEvent({ type: 'OrderPlaced', data: { n: 2 } }));
    expect(await readAll(reader, 'order-1')).toEqual([{ n: 1 }, { n: 2 }]);
  });

  test('without a $acl, user streams follow $settings ($userStreamAcl); $-streams and $all are for admins', async () => {
    const reader = clientAs('reader', 'secret');
    await reader.appendToStream('note-1', jsonEvent({ type: 'Noted', data: {} }));
    expect(await readAll(reader, 'note-1')).toHaveLength(1);
    await expect(readAll(reader, '$users')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(
      (async () => {
        for await (const _ of reader.readAll({ fromPosition: START, maxCount: 1 })) break;
      })(),
    ).rejects.toBeInstanceOf(AccessDeniedError);

    const asAdmin = clientAs('admin');
    await asAdmin.appendToStream(
      '$settings',
      jsonEvent({
        type: 'update-default-acl',
        data: { $userStreamAcl: { $r: '$admins', $w: '$admins', $d: '$admins', $mr: '$admins', $mw: '$admins' } },
      }),
    );
    await expect(reader.appendToStream('note-2', jsonEvent({ type: 'Noted', data: {} }))).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(readAll(reader, 'note-1')).rejects.toBeInstanceOf(AccessDeniedError);
    // Back to the built-in defaults for the other tests.
    await asAdmin.appendToStream('$settings', jsonEvent({ type: 'update-default-acl', data: {} }));
    expect(await readAll(reader, 'note-1')).toHaveLength(1);
  });

  test('not even an admin writes to or deletes $all, or deletes a metastream (LegacyStreamPermissionAssertion)', async () => {
    const asAdmin = clientAs('admin');
    await expect(asAdmin.appendToStream('$all', jsonEvent({ type: 'Nope', data: {} }))).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(asAdmin.deleteStream('$$order-1')).rejects.toBeInstanceOf(AccessDeniedError);
    // Metadata itself stays the admin's to read and write, `$all`'s included.
    await asAdmin.setStreamMetadata('$all', { acl: { readRoles: ['$admins'] } });
    expect((await asAdmin.getStreamMetadata('$all')).metadata?.acl?.readRoles).toEqual(['$admins']);
  });

  test('an anonymous client cannot read $-streams, nor (23.10 default) user streams', async () => {
    const anonymous = clientAs();
    await expect(readAll(anonymous, '$user-admin')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(readAll(anonymous, 'note-1')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(anonymous.appendToStream('note-1', jsonEvent({ type: 'Noted', data: {} }))).rejects.toBeInstanceOf(AccessDeniedError);
  });

  test('persistent-subscription groups are created by $ops or $admins only; a reader may consume a group it may read', async () => {
    const reader = clientAs('reader', 'secret');
    const settings = persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START });
    await expect(reader.createPersistentSubscriptionToStream('order-1', 'g', settings)).rejects.toBeInstanceOf(AccessDeniedError);
    await clientAs('ops').createPersistentSubscriptionToStream('order-1', 'g', settings);
    const subscription = reader.subscribeToPersistentSubscriptionToStream('order-1', 'g');
    for await (const e of subscription) {
      expect(e.event?.streamId).toBe('order-1');
      await subscription.ack(e);
      break;
    }
    await subscription.unsubscribe();
  });

  // LegacyPolicySelectorFactory: Subscriptions.Create/Update/Delete/ReplayParked/Restart are
  // OperationsOrAdmins, Statistics (GetInfo, List) any authenticated caller.
  test('persistent-subscription management: $ops or $admins; info and lists: any authenticated user', async () => {
    const settings = persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START });
    const ops = clientAs('ops');
    await ops.createPersistentSubscriptionToStream('order-1', 'managed', settings);
    const reader = clientAs('reader', 'secret');
    const anonymous = clientAs();
    const denied: [string, () => Promise<unknown>][] = [
      ['update', () => reader.updatePersistentSubscriptionToStream('order-1', 'managed', settings)],
      ['replay parked', () => reader.replayParkedMessagesToStream('order-1', 'managed')],
      ['restart the subsystem', () => reader.restartPersistentSubscriptionSubsystem()],
      ['delete', () => reader.deletePersistentSubscriptionToStream('order-1', 'managed')],
      ['info, anonymously', () => anonymous.getPersistentSubscriptionToStreamInfo('order-1', 'managed')],
      ['list, anonymously', () => anonymous.listAllPersistentSubscriptions()],
    ];
    for (const [what, run] of denied) {
      await expect(run().then(() => `${what} allowed`)).rejects.toBeInstanceOf(AccessDeniedError);
    }
    expect((await reader.getPersistentSubscriptionToStreamInfo('order-1', 'managed')).groupName).toBe('managed');
    expect((await reader.listAllPersistentSubscriptions()).map((s) => s.groupName)).toContain('managed');
    await ops.updatePersistentSubscriptionToStream('order-1', 'managed', settings);
    await ops.replayParkedMessagesToStream('order-1', 'managed');
    await ops.restartPersistentSubscriptionSubsystem();
    await ops.deletePersistentSubscriptionToStream('order-1', 'managed');
  });

  // LegacyAuthorizationProviderFactory (23.10): Projections.Delete and Projections.Restart are
  // OperationsOrAdmins; every other Projections operation needs an authenticated caller.
  test('projections: anonymous callers get nothing; delete and restart the subsystem need $ops or $admins', async () => {
    const name = `acl-${mode}`;
    const query = "fromStream('order-1').when({ $init: () => ({ n: 0 }), $any: (s) => { s.n++; return s; } })";
    const rows: [string, 'authenticated' | 'opsOrAdmins', (c: EventStoreDBClient) => Promise<unknown>][] = [
      ['create', 'authenticated', (c) => c.createProjection(name, query)],
      ['update', 'authenticated', (c) => c.updateProjection(name, query)],
      ['list (statistics)', 'authenticated', (c) => c.listProjections()],
      ['status (statistics)', 'authenticated', (c) => c.getProjectionStatus(name)],
      ['state', 'authenticated', (c) => c.getProjectionState(name)],
      ['result', 'authenticated', (c) => c.getProjectionResult(name)],
      ['reset', 'authenticated', (c) => c.resetProjection(name)],
      ['enable', 'authenticated', (c) => c.enableProjection(name)],
      ['disable', 'authenticated', (c) => c.disableProjection(name)],
      ['restart the subsystem', 'opsOrAdmins', (c) => c.restartSubsystem()],
      ['delete', 'opsOrAdmins', (c) => c.deleteProjection(name)],
    ];
    const anonymous = clientAs();
    const reader = clientAs('reader', 'secret');
    const ops = clientAs('ops');
    for (const [what, needs, run] of rows) {
      await expect(run(anonymous).then(() => `${what} allowed anonymously`)).rejects.toBeInstanceOf(AccessDeniedError);
      if (needs === 'authenticated') {
        await run(reader);
      } else {
        await expect(run(reader).then(() => `${what} allowed to a reader`)).rejects.toBeInstanceOf(AccessDeniedError);
        await run(ops);
      }
    }
    expect((await reader.listProjections()).map((p) => p.name)).not.toContain(name);
    await clientAs('admin').restartSubsystem();
  });

  test('ops taken out of $ops still manages by its login, as the server claim sets match it; another user does not', async () => {
    const setGroups = (login: string, fullName: string, groups: string[]) =>
      call(
        users.update as Unary<UpdateReq>,
        new UpdateReq().setOptions(new UpdateReq.Options().setLoginName(login).setFullName(fullName).setGroupsList(groups)),
        admin,
      );
    await call(
      users.create as Unary<CreateReq>,
      new CreateReq().setOptions(
        new CreateReq.Options().setLoginName('deputy').setPassword('pw').setFullName('Deputy').setGroupsList(['$ops']),
      ),
      admin,
    );
    await clientAs('deputy', 'pw').restartSubsystem();
    await setGroups('deputy', 'Deputy', []);
    await expect(clientAs('deputy', 'pw').restartSubsystem()).rejects.toBeInstanceOf(AccessDeniedError);
    await setGroups('ops', 'Event Store Operations', []);
    await clientAs('ops').restartSubsystem();
    await clientAs('ops').restartPersistentSubscriptionSubsystem();
    await setGroups('ops', 'Event Store Operations', ['$ops']);
  });

  // The 23.10 server checks read access on the stream a call reads, never on a link's target:
  // ResolveLinkToEvent (src/EventStore.Core/Services/Storage/StorageReaderWorker.cs) reads the
  // target with the read index alone (the pre-20 reader's CheckStreamAccess on it is gone since
  // the 20.x authorization policies), and persistent subscriptions read as SystemAccounts.System
  // (PersistentSubscriptionStreamReader.cs). Read access to $ce-order is read access to every
  // order-* event body; pinned here so the emulator does not promise more than the server.
  test('a link resolves whatever its target stream ACL says: only the read stream is checked, as on the server', async () => {
    const asAdmin = clientAs('admin');
    await asAdmin.setStreamMetadata('order-secret', { acl: { readRoles: ['$admins'] } });
    await asAdmin.appendToStream('order-secret', jsonEvent({ type: 'SecretPlaced', data: { secret: 42 } }));
    await asAdmin.setStreamMetadata('$ce-order', { acl: { readRoles: ['reader'] } });
    const reader = clientAs('reader', 'secret');
    await expect(readAll(reader, 'order-secret')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(readAll(clientAs('ops'), '$ce-order')).rejects.toBeInstanceOf(AccessDeniedError);

    // Catch-up subscription: waits for $by_category to write the link.
    const subscription = reader.subscribeToStream('$ce-order', { fromRevision: START, resolveLinkTos: true });
    let viaSubscription: ResolvedEvent | undefined;
    for await (const e of subscription) {
      if (e.event?.streamId === 'order-secret') {
        viaSubscription = e;
        break;
      }
    }
    await subscription.unsubscribe();
    expect(viaSubscription?.event?.data).toEqual({ secret: 42 });
    expect(viaSubscription?.link?.streamId).toBe('$ce-order');

    const read: ResolvedEvent[] = [];
    for await (const e of reader.readStream('$ce-order', { fromRevision: START, resolveLinkTos: true })) read.push(e);
    const viaRead = read.find((e) => e.event?.streamId === 'order-secret');
    expect(viaRead?.event?.data).toEqual({ secret: 42 });
    expect(viaRead?.link?.type).toBe('$>');

    await clientAs('ops').createPersistentSubscriptionToStream(
      '$ce-order',
      'links',
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, resolveLinkTos: true }),
    );
    const persistent = reader.subscribeToPersistentSubscriptionToStream('$ce-order', 'links');
    let viaPersistent: ResolvedEvent | undefined;
    for await (const e of persistent) {
      await persistent.ack(e);
      if (e.event?.streamId === 'order-secret') {
        viaPersistent = e;
        break;
      }
    }
    await persistent.unsubscribe();
    expect(viaPersistent?.event?.data).toEqual({ secret: 42 });
    expect(viaPersistent?.link?.streamId).toBe('$ce-order');
  });

  test('the Users service: users live in $user-<login> streams; details, disable, enable, change and reset password', async () => {
    const stored = await readAll(clientAs('admin'), '$user-reader');
    expect(stored[0]).toMatchObject({ loginName: 'reader', fullName: 'Order reader', groups: [], disabled: false });
    expect(JSON.stringify(stored)).not.toContain('secret');

    const [own] = await details('reader', basic('reader', 'secret'));
    expect(own!.getFullName()).toBe('Order reader');
    expect((await details('', admin)).map((u) => u.getLoginName())).toEqual(expect.arrayContaining(['admin', 'ops', 'reader']));
    await expect(details('admin', basic('reader', 'secret'))).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });

    await call(users.disable as Unary<DisableReq>, new DisableReq().setOptions(new DisableReq.Options().setLoginName('reader')), admin);
    await expect(details('reader', basic('reader', 'secret'))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await call(users.enable as Unary<EnableReq>, new EnableReq().setOptions(new EnableReq.Options().setLoginName('reader')), admin);

    await call(
      users.changePassword as Unary<ChangePasswordReq>,
      new ChangePasswordReq().setOptions(
        new ChangePasswordReq.Options().setLoginName('reader').setCurrentPassword('secret').setNewPassword('s3cret'),
      ),
      basic('reader', 'secret'),
    );
    await expect(details('reader', basic('reader', 'secret'))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(await details('reader', basic('reader', 's3cret'))).toHaveLength(1);
    await call(
      users.resetPassword as Unary<ResetPasswordReq>,
      new ResetPasswordReq().setOptions(new ResetPasswordReq.Options().setLoginName('reader').setNewPassword('secret')),
      admin,
    );
    expect(await details('reader', basic('reader', 'secret'))).toHaveLength(1);
    await expect(
      call(
        users.create as Unary<CreateReq>,
        new CreateReq().setOptions(new CreateReq.Options().setLoginName('reader').setPassword('x').setFullName('x')),
        admin,
      ),
    ).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION, details: 'Conflict.' });
  });

  test('Create again with the same password changes nothing; with another it is the client LoginConflictError', async () => {
    const create = (password: string) =>
      call(
        users.create as Unary<CreateReq>,
        new CreateReq().setOptions(new CreateReq.Options().setLoginName('twice').setPassword(password).setFullName('Twice')),
        admin,
      );
    await create('one');
    const events = (await readAll(clientAs('admin'), '$user-twice')).length;
    await create('one');
    expect(await readAll(clientAs('admin'), '$user-twice')).toHaveLength(events);
    const conflict = await create('two').catch((e: grpc.ServiceError) => e);
    const converted = convertToCommandError(conflict as grpc.ServiceError);
    expect(converted).toBeInstanceOf(LoginConflictError);
  });

  test('stored as the server stores them: $UserCreated then $UserUpdated, the user stream ACL, password notifications', async () => {
    const asAdmin = clientAs('admin');
    await call(
      users.create as Unary<CreateReq>,
      new CreateReq().setOptions(
        new CreateReq.Options().setLoginName('stored').setPassword('pw').setFullName('Stored').setGroupsList(['g1']),
      ),
      admin,
    );
    // Users.Update passes full name and groups on; the request's password is not used.
    await call(
      users.update as Unary<UpdateReq>,
      new UpdateReq().setOptions(
        new UpdateReq.Options().setLoginName('stored').setFullName('Stored again').setGroupsList(['g2']).setPassword('ignored'),
      ),
      admin,
    );
    const types: string[] = [];
    for await (const e of asAdmin.readStream('$user-stored', { fromRevision: START })) types.push(e.event!.type);
    expect(types).toEqual(['$UserCreated', '$UserUpdated']);
    const [last] = (await readAll(asAdmin, '$user-stored')).slice(-1) as Record<string, unknown>[];
    expect(Object.keys(last!).sort()).toEqual(['disabled', 'fullName', 'groups', 'hash', 'loginName', 'salt']);
    expect(last).toMatchObject({ loginName: 'stored', fullName: 'Stored again', groups: ['g2'], disabled: false });
    expect((await details('stored', basic('stored', 'pw')))[0]!.getFullName()).toBe('Stored again');
    await expect(details('stored', basic('stored', 'ignored'))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });

    const metadata = await asAdmin.getStreamMetadata('$user-stored');
    // One role is written as a string, as the server's StreamMetadata writes it; no read roles (the system default).
    expect(metadata.metadata?.acl).toEqual({ writeRoles: '$admins', deleteRoles: '$admins', metaWriteRoles: '$admins' });
    const notified = (await readAll(asAdmin, '$users-password-notifications')) as { loginName: string }[];
    expect(notified.map((n) => n.loginName)).toContain('stored');
    // Details' last_updated: ticks since the Unix epoch, as Users.Details sends them.
    const ticks = BigInt((await details('stored', admin))[0]!.getLastUpdated()!.getTicksSinceEpoch());
    expect(Number(ticks / 10_000n)).toBeGreaterThan(Date.parse('2020-01-01'));
    expect(Number(ticks / 10_000n)).toBeLessThanOrEqual(Date.now());
  });

  test('Delete soft-deletes $user-<login>: the login no longer authenticates, is the client LoginNotFoundError, and can be created again', async () => {
    const asAdmin = clientAs('admin');
    await call(
      users.create as Unary<CreateReq>,
      new CreateReq().setOptions(new CreateReq.Options().setLoginName('gone').setPassword('pw').setFullName('Gone')),
      admin,
    );
    await call(users.delete as Unary<DeleteReq>, new DeleteReq().setOptions(new DeleteReq.Options().setLoginName('gone')), admin);
    await expect(details('gone', basic('gone', 'pw'))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const missing = await details('gone', admin).catch((e: grpc.ServiceError) => e);
    expect((missing as grpc.ServiceError).details).toBe("User 'gone' is not found.");
    expect(convertToCommandError(missing as grpc.ServiceError)).toBeInstanceOf(LoginNotFoundError);
    await expect(readAll(asAdmin, '$user-gone')).rejects.toMatchObject({ type: 'stream-not-found' });
    expect((await details('', admin)).map((u) => u.getLoginName())).not.toContain('gone');

    await call(
      users.create as Unary<CreateReq>,
      new CreateReq().setOptions(new CreateReq.Options().setLoginName('gone').setPassword('pw2').setFullName('Back')),
      admin,
    );
    expect((await details('gone', basic('gone', 'pw2')))[0]!.getFullName()).toBe('Back');
    // Only the new user's events: the deleted one's stay hidden behind the delete.
    expect(await readAll(asAdmin, '$user-gone')).toEqual([expect.objectContaining({ fullName: 'Back' })]);
  });

  test('listing every user (Details without a login) is admin-only, ordered by login', async () => {
    const logins = (await details('', admin)).map((u) => u.getLoginName());
    expect(logins).toEqual([...logins].sort());
    await expect(details('', basic('reader', 'secret'))).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  if (mode === 'durable') {
    test('after a restart, users, their passwords, groups and disabled state, and deletions are as they were', async () => {
      await call(
        users.create as Unary<CreateReq>,
        new CreateReq().setOptions(
          new CreateReq.Options().setLoginName('kept').setPassword('pw').setFullName('Kept').setGroupsList(['$ops']),
        ),
        admin,
      );
      await call(users.disable as Unary<DisableReq>, new DisableReq().setOptions(new DisableReq.Options().setLoginName('twice')), admin);
      await stopSecure();
      await startSecure();
      expect((await details('kept', basic('kept', 'pw')))[0]!.getGroupsList()).toEqual(['$ops']);
      await expect(details('twice', basic('twice', 'one'))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      expect((await details('twice', admin))[0]!.getDisabled()).toBe(true);
      expect((await details('gone', basic('gone', 'pw2')))[0]!.getFullName()).toBe('Back');
      // The built-in users are not written again.
      const admins = await readAll(clientAs('admin'), '$user-admin');
      expect(admins).toHaveLength(1);
    });
  }
});
