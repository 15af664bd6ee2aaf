import {
  type CreateReq,
  CreateResp,
  type DeleteReq,
  DeleteResp,
  type GetInfoReq,
  GetInfoResp,
  type ListReq,
  ListResp,
  type ReadReq,
  type ReadResp,
  type ReplayParkedReq,
  ReplayParkedResp,
  type UpdateReq,
  UpdateResp,
} from '@eventstore/db-client/generated/persistent_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import type {
  handleBidiStreamingCall,
  ServerDuplexStream,
  ServerUnaryCall,
  sendUnaryData,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { type AccessControl, OPEN_ACCESS } from '../server/access-control';
import { errors, type RpcError } from '../server/errors';
import { MAX_NAME_BYTES } from '../store/record-limits';
import type { Store } from '../store/store';
import { groupDoesNotExist, groupExists, groupFailed, invalidArgument } from './grpc-errors';
import { handleRead } from './read-call';
import { readFilter, readSettings, readTarget, streamName, type Target } from './requests';
import { type GroupSettings, InvalidSettingError, SubscriptionCreateFailedError } from './settings';
import { subscriptionInfo } from './subscription-info';
import { GroupExistsError, GroupNotFoundError, type SubscriptionService } from './subscription-service';
import { longestBookkeepingName } from './system-streams';

/** Who made the call: the Basic-auth user when one is sent, else anonymous (the real server's name for no user). */
function username(metadata: { get(key: string): unknown[] }): string {
  const header = metadata.get('authorization')[0];
  if (typeof header !== 'string' || !header.startsWith('Basic ')) return 'anonymous';
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

/**
 * The server's default policy for persistent subscriptions: Create, Update, Delete, ReplayParked
 * and RestartSubsystem need `$ops` or `$admins` (OperationsOrAdmins); GetInfo and List
 * (Subscriptions.Statistics) an authenticated caller; Read checks stream access itself.
 */
function withRoles(access: AccessControl, implementation: UntypedServiceImplementation): UntypedServiceImplementation {
  if (!access.enabled) return implementation;
  const operators = new Set(['create', 'update', 'delete', 'replayParked', 'restartSubsystem']);
  const authenticated = new Set(['getInfo', 'list']);
  const guarded: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    if (!operators.has(name) && !authenticated.has(name)) {
      guarded[name] = handler;
      continue;
    }
    guarded[name] = ((call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const denied = operators.has(name)
        ? access.checkRole(call.metadata, ['$ops', '$admins'])
        : access.principal(call.metadata)
          ? undefined
          : errors.accessDenied();
      if (denied) {
        callback(denied, null);
        return;
      }
      (handler as (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void)(call, callback);
    }) as UntypedServiceImplementation[string];
  }
  return guarded;
}

/** Maps what the subsystem throws to the real server's answers. */
function toRpcError(error: unknown, source: string, group: string): RpcError {
  if (error instanceof GroupNotFoundError) return groupDoesNotExist(error.source, error.group);
  if (error instanceof GroupExistsError) return groupExists(error.source, error.group);
  if (error instanceof InvalidSettingError) return invalidArgument(error.message);
  if (error instanceof SubscriptionCreateFailedError) return groupFailed(source, group, error.message);
  return groupFailed(source, group, error instanceof Error ? error.message : String(error));
}

function unary<Req, Res>(
  work: (request: Req, user: string) => Promise<Res>,
  describe: (request: Req) => { source: string; group: string },
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    let target = { source: '', group: '' };
    try {
      target = describe(call.request);
    } catch {
      // A request too broken to describe still gets its own error from `work`.
    }
    work(call.request, username(call.metadata)).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toRpcError(error, target.source, target.group)),
    );
  };
}

/** The real server's start-position checks for `$all` groups (PersistentSubscriptionService.ValidateStartFrom). */
function checkAllPosition(store: Store, position: { commit: bigint; prepare: bigint } | undefined): void {
  if (position === undefined) return;
  const { commit, prepare } = position;
  if (prepare > commit) {
    throw new SubscriptionCreateFailedError(
      'Invalid Start From position: prepare position must be less than or equal to the commit position.',
    );
  }
  if (commit > store.headPosition()) {
    throw new SubscriptionCreateFailedError(
      'Invalid Start From position: commit position must be less than or equal to the last commit position in the transaction file.',
    );
  }
  if ((prepare <= -1n || commit <= -1n) && !(prepare === -1n && commit === -1n)) {
    throw new SubscriptionCreateFailedError(
      'Invalid Start From position: prepare and commit positions must be greater than or equal to 0 or both equal to -1.',
    );
  }
}

/** Keeps a `$all` start position's own prepare half, which GetInfo prints back (PersistentSubscriptionAllStreamPosition). */
function withStartPrepare(settings: GroupSettings, target: Target): GroupSettings {
  const position = target.allPosition;
  return position === undefined || position.prepare === position.commit ? settings : { ...settings, startFromPrepare: position.prepare };
}

/** The real server refuses `$all` named as a stream (its pre-21.10 TCP path), even over gRPC. */
const ALL_AS_STREAM = 'Persistent subscriptions to $all are only supported over gRPC through gRPC clients';

function checkStreamTarget(source: string, viaAllOption: boolean): void {
  if (source === '') throw new SubscriptionCreateFailedError('Bad stream name.');
  if (source === '$all' && !viaAllOption) throw new SubscriptionCreateFailedError(ALL_AS_STREAM);
}

/**
 * A group writes its checkpoints and parked messages to streams named after its source and
 * name: refused at create when those names would not fit the log, rather than failing on
 * its first checkpoint.
 */
function checkBookkeepingNames(source: string, group: string): void {
  const bytes = longestBookkeepingName(source, group);
  if (bytes > MAX_NAME_BYTES) {
    throw new InvalidSettingError(
      'group_name',
      `the stream and group names are too long: the group's checkpoint metadata stream would be ${bytes} bytes, over the log's ${MAX_NAME_BYTES}.`,
    );
  }
}

const sourceOf = (options: { hasAll(): boolean; getStreamIdentifier(): Parameters<typeof streamName>[0] } | undefined): string =>
  options === undefined ? '' : options.hasAll() ? '$all' : streamName(options.getStreamIdentifier());

export function persistentSubscriptionsImplementation(
  service: SubscriptionService,
  store: Store,
  access: AccessControl = OPEN_ACCESS,
): UntypedServiceImplementation {
  return withRoles(access, {
    create: unary<CreateReq, CreateResp>(
      async (request, user) => {
        const options = request.getOptions();
        if (options === undefined) throw new InvalidSettingError('options', 'missing.');
        const target = readTarget(options);
        checkStreamTarget(target.source, options.hasAll());
        checkBookkeepingNames(target.source, options.getGroupName());
        const settings = withStartPrepare(readSettings(options.getSettings(), target.startFrom), target);
        const filter = target.source === '$all' ? readFilter(options) : undefined;
        checkAllPosition(store, target.allPosition);
        await service.create(target.source, options.getGroupName(), filter, settings, user);
        return new CreateResp();
      },
      (request) => ({ source: readTarget(request.getOptions()!).source, group: request.getOptions()!.getGroupName() }),
    ),
    update: unary<UpdateReq, UpdateResp>(
      async (request, user) => {
        const options = request.getOptions();
        if (options === undefined) throw new InvalidSettingError('options', 'missing.');
        const target = readTarget(options);
        checkStreamTarget(target.source, options.hasAll());
        if (service.get(target.source, options.getGroupName()) === undefined)
          throw new GroupNotFoundError(target.source, options.getGroupName());
        const settings = withStartPrepare(readSettings(options.getSettings(), target.startFrom), target);
        checkAllPosition(store, target.allPosition);
        await service.update(target.source, options.getGroupName(), settings, user);
        return new UpdateResp();
      },
      (request) => ({ source: readTarget(request.getOptions()!).source, group: request.getOptions()!.getGroupName() }),
    ),
    delete: unary<DeleteReq, DeleteResp>(
      async (request, user) => {
        const options = request.getOptions();
        checkStreamTarget(sourceOf(options), options?.hasAll() ?? false);
        await service.delete(sourceOf(options), options?.getGroupName() ?? '', user);
        return new DeleteResp();
      },
      (request) => ({ source: sourceOf(request.getOptions()), group: request.getOptions()?.getGroupName() ?? '' }),
    ),
    getInfo: unary<GetInfoReq, GetInfoResp>(
      async (request) => {
        const options = request.getOptions();
        const group = service.require(sourceOf(options), options?.getGroupName() ?? '');
        const response = new GetInfoResp();
        response.setSubscriptionInfo(subscriptionInfo(group, performance.now()));
        return response;
      },
      (request) => ({ source: sourceOf(request.getOptions()), group: request.getOptions()?.getGroupName() ?? '' }),
    ),
    list: unary<ListReq, ListResp>(
      async (request) => {
        const forStream = request.getOptions()?.getListForStream();
        let source: string | undefined;
        if (forStream !== undefined) {
          source = forStream.hasAll() ? '$all' : streamName(forStream.getStream());
          if (!service.isKnownSource(source)) throw new GroupNotFoundError(source, '');
        }
        const response = new ListResp();
        const now = performance.now();
        for (const group of service.list(source)) response.addSubscriptions(subscriptionInfo(group, now));
        return response;
      },
      () => ({ source: '', group: '' }),
    ),
    replayParked: unary<ReplayParkedReq, ReplayParkedResp>(
      async (request) => {
        const options = request.getOptions();
        // stop_at is an exclusive parked-stream event number; a negative one fails before the group is
        // looked up (PersistentSubscriptionService.Handle(ReplayParkedMessages), PersistentSubscription.RetryParkedMessages).
        let stopAt: bigint | undefined;
        if (options?.hasStopAt()) {
          stopAt = BigInt(options.getStopAt());
          if (stopAt < 0n) throw new SubscriptionCreateFailedError('Cannot stop replaying parked message at a negative version.');
        }
        service.require(sourceOf(options), options?.getGroupName() ?? '').replayParked(stopAt);
        return new ReplayParkedResp();
      },
      (request) => ({ source: sourceOf(request.getOptions()), group: request.getOptions()?.getGroupName() ?? '' }),
    ),
    restartSubsystem: unary<Empty, Empty>(
      async () => {
        await service.restart();
        return new Empty();
      },
      () => ({ source: '', group: '' }),
    ),
    read: ((call: ServerDuplexStream<ReadReq, ReadResp>) =>
      handleRead(service, call, username(call.metadata), access)) as handleBidiStreamingCall<ReadReq, ReadResp>,
  });
}
