import { Metadata, type ServiceError, status } from '@grpc/grpc-js';

/**
 * Errors as EventStoreDB's RpcExceptions sends them: a gRPC status, a message, and the
 * `exception` trailer with its companions, from which the client builds its typed errors.
 */
export function rpcError(code: status, details: string, trailers: Record<string, string> = {}): ServiceError {
  const metadata = new Metadata();
  for (const [name, value] of Object.entries(trailers)) metadata.set(name, value);
  const error = new Error(details) as ServiceError;
  error.code = code;
  error.details = details;
  error.metadata = metadata;
  return error;
}

export const groupDoesNotExist = (stream: string, group: string): ServiceError =>
  rpcError(status.NOT_FOUND, `Subscription group ${group} on stream ${stream} does not exist.`, {
    exception: 'persistent-subscription-does-not-exist',
    'stream-name': stream,
    'group-name': group,
  });

export const groupExists = (stream: string, group: string): ServiceError =>
  rpcError(status.ALREADY_EXISTS, `Subscription group ${group} on stream ${stream} exists.`, {
    exception: 'persistent-subscription-exists',
    'stream-name': stream,
    'group-name': group,
  });

export const maximumSubscribersReached = (stream: string, group: string): ServiceError =>
  rpcError(status.FAILED_PRECONDITION, `Maximum subscriptions reached for subscription group ${group} on stream ${stream}.`, {
    exception: 'maximum-subscribers-reached',
    'stream-name': stream,
    'group-name': group,
  });

export const groupDropped = (stream: string, group: string): ServiceError =>
  rpcError(status.CANCELLED, `Subscription group ${group} on stream ${stream} was dropped.`, {
    exception: 'persistent-subscription-dropped',
    'stream-name': stream,
    'group-name': group,
  });

export const groupFailed = (stream: string, group: string, reason: string): ServiceError =>
  rpcError(status.INTERNAL, `Subscription group ${group} on stream ${stream} failed: '${reason}'`, {
    exception: 'persistent-subscription-failed',
    'stream-name': stream,
    'group-name': group,
    reason,
  });

export const invalidArgument = (details: string): ServiceError => rpcError(status.INVALID_ARGUMENT, details);
