/**
 * Errors as EventStoreDB's gRPC services send them: a gRPC status plus trailers, of which
 * `exception` names the error and companions (`stream-name`, `expected-version`, ...) carry
 * its details; @eventstore/db-client turns them into its typed errors (CommandError.js).
 * See EventStoreDB's src/EventStore.Core/Services/Transport/Grpc/RpcExceptions.cs.
 */
import * as grpc from '@grpc/grpc-js';

/** An error ready to send on any kind of call. */
export interface RpcError {
  readonly code: grpc.status;
  readonly details: string;
  readonly metadata: grpc.Metadata;
}

/** Builds an error with the given status, message and trailers (e.g. `{ exception: 'stream-deleted', 'stream-name': s }`). */
export function rpcError(code: grpc.status, details: string, trailers: Readonly<Record<string, string>> = {}): RpcError {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return { code, details, metadata };
}

/**
 * Ends a server-streaming or bidirectional call with an error. grpc-js needs the 'error'
 * event here: destroying the stream instead leaves the client waiting.
 */
export function sendError(
  call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>,
  error: RpcError,
): void {
  call.emit('error', error);
}

/** Answers a unary or client-streaming call with an error. */
export function replyError<T>(callback: grpc.sendUnaryData<T>, error: RpcError): void {
  callback(error, null);
}

export function isRpcError(value: unknown): value is RpcError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RpcError).code === 'number' &&
    typeof (value as RpcError).details === 'string' &&
    (value as RpcError).metadata instanceof grpc.Metadata
  );
}

/** EventStoreDB's numbers for the expected-version states in errors (ExpectedVersion.cs). */
export const EXPECTED_ANY = -2n;
export const EXPECTED_NO_STREAM = -1n;
export const EXPECTED_STREAM_EXISTS = -4n;

export const errors = {
  wrongExpectedVersion(operation: string, streamName: string, expected: bigint, actual: bigint | undefined): RpcError {
    return rpcError(
      grpc.status.FAILED_PRECONDITION,
      `${operation} failed due to WrongExpectedVersion. Stream: ${streamName}, Expected version: ${expected}, Actual version: ${actual ?? ''}`,
      {
        exception: 'wrong-expected-version',
        'stream-name': streamName,
        'expected-version': expected.toString(),
        'actual-version': actual === undefined ? '' : actual.toString(),
      },
    );
  },
  streamDeleted(streamName: string): RpcError {
    return rpcError(grpc.status.FAILED_PRECONDITION, `Event stream '${streamName}' is deleted.`, {
      exception: 'stream-deleted',
      'stream-name': streamName,
    });
  },
  streamNotFound(streamName: string): RpcError {
    return rpcError(grpc.status.NOT_FOUND, `Event stream '${streamName}' is not found.`, {
      exception: 'stream-not-found',
      'stream-name': streamName,
    });
  },
  maximumAppendSizeExceeded(maxAppendSize: number): RpcError {
    return rpcError(grpc.status.INVALID_ARGUMENT, `Maximum Append Size of ${maxAppendSize} Exceeded.`, {
      exception: 'maximum-append-size-exceeded',
      'maximum-append-size': String(maxAppendSize),
    });
  },
  requiredMetadataPropertyMissing(property: string): RpcError {
    return rpcError(grpc.status.INVALID_ARGUMENT, `Required Metadata Property '${property}' is missing`, {
      exception: 'missing-required-metadata-property',
      'required-metadata-properties': 'type,content-type',
    });
  },
  accessDenied(): RpcError {
    return rpcError(grpc.status.PERMISSION_DENIED, 'Access Denied', { exception: 'access-denied' });
  },
  unauthenticated(): RpcError {
    return rpcError(grpc.status.UNAUTHENTICATED, 'Bad username or password');
  },
  invalidArgument(message: string): RpcError {
    return rpcError(grpc.status.INVALID_ARGUMENT, message);
  },
  unavailable(message: string): RpcError {
    return rpcError(grpc.status.UNAVAILABLE, message);
  },
  internal(message: string): RpcError {
    return rpcError(grpc.status.INTERNAL, message);
  },
};
