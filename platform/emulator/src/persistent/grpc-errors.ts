import { status } from '@grpc/grpc-js';
import { type RpcError, rpcError } from '../server/errors';

/**
 * The persistent-subscription errors of EventStoreDB's RpcExceptions: a gRPC status, the
 * real server's message, and the `exception` trailer with its companions, from which the
 * client builds its typed errors.
 */
export const groupDoesNotExist = (stream: string, group: string): RpcError =>
  rpcError(status.NOT_FOUND, `Subscription group ${group} on stream ${stream} does not exist.`, {
    exception: 'persistent-subscription-does-not-exist',
    'stream-name': stream,
    'group-name': group,
  });

export const groupExists = (stream: string, group: string): RpcError =>
  rpcError(status.ALREADY_EXISTS, `Subscription group ${group} on stream ${stream} exists.`, {
    exception: 'persistent-subscription-exists',
    'stream-name': stream,
    'group-name': group,
  });

export const maximumSubscribersReached = (stream: string, group: string): RpcError =>
  rpcError(status.FAILED_PRECONDITION, `Maximum subscriptions reached for subscription group ${group} on stream ${stream}.`, {
    exception: 'maximum-subscribers-reached',
    'stream-name': stream,
    'group-name': group,
  });

export const groupDropped = (stream: string, group: string): RpcError =>
  rpcError(status.CANCELLED, `Subscription group ${group} on stream ${stream} was dropped.`, {
    exception: 'persistent-subscription-dropped',
    'stream-name': stream,
    'group-name': group,
  });

export const groupFailed = (stream: string, group: string, reason: string): RpcError =>
  rpcError(status.INTERNAL, `Subscription group ${group} on stream ${stream} failed: '${reason}'`, {
    exception: 'persistent-subscription-failed',
    'stream-name': stream,
    'group-name': group,
    reason,
  });

export const invalidArgument = (details: string): RpcError => rpcError(status.INVALID_ARGUMENT, details);
