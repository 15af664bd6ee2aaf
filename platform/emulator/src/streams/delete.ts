/** Streams.Delete (soft) and Streams.Tombstone (hard), as EventStoreDB's Streams.Delete.cs answers them. */

import { type DeleteReq, DeleteResp, type TombstoneReq, TombstoneResp } from '@eventstore/db-client/generated/streams_pb';
import type * as grpc from '@grpc/grpc-js';
import { type AccessControl, OPEN_ACCESS } from '../server/access-control';
import { errors, replyError } from '../server/errors';
import { checkSoftDeletable } from '../store/record-limits';
import type { DeleteOutcome, Store } from '../store/store';
import { toRpcError } from './append';
import { BadRequest, EXPECTED_CASES, expectedState, expectedVersionNumber, readStreamName } from './convert';

type Options = DeleteReq.Options | TombstoneReq.Options;

function parse(options: Options | undefined) {
  if (!options) throw new BadRequest(errors.invalidArgument('Required field options is not set.'));
  const streamName = readStreamName(options.getStreamIdentifier());
  const kind = EXPECTED_CASES[options.getExpectedStreamRevisionCase()] ?? 'unset';
  return { streamName, expected: expectedState(kind, () => options.getRevision()) };
}

function handle<Resp>(
  access: AccessControl,
  operation: 'Delete' | 'Tombstone',
  run: (streamName: string, expected: ReturnType<typeof parse>['expected']) => Promise<DeleteOutcome>,
  response: (position: bigint) => Resp,
) {
  return (call: grpc.ServerUnaryCall<{ getOptions(): Options | undefined }, Resp>, callback: grpc.sendUnaryData<Resp>): void => {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(call.request.getOptions());
    } catch (error) {
      replyError(callback, toRpcError(error));
      return;
    }
    const { streamName, expected } = parsed;
    const denied = access.checkStream(call.metadata, streamName, 'delete');
    if (denied) {
      replyError(callback, denied);
      return;
    }
    run(streamName, expected).then(
      (outcome) => {
        switch (outcome.kind) {
          case 'success':
            callback(null, response(outcome.position));
            return;
          case 'wrong_expected_version':
            // EventStoreDB reports a missing stream's version as -1 here.
            replyError(
              callback,
              errors.wrongExpectedVersion(operation, streamName, expectedVersionNumber(expected), outcome.actual ?? -1n),
            );
            return;
          case 'stream_deleted':
            replyError(callback, errors.streamDeleted(streamName));
            return;
        }
      },
      (error: unknown) => replyError(callback, toRpcError(error)),
    );
  };
}

export function handleDelete(store: Store, access: AccessControl = OPEN_ACCESS) {
  return handle(
    access,
    'Delete',
    async (s, e) => {
      checkSoftDeletable(s);
      return store.delete(s, e);
    },
    (position) => {
      const p = new DeleteResp.Position().setCommitPosition(position.toString()).setPreparePosition(position.toString());
      return new DeleteResp().setPosition(p);
    },
  );
}

export function handleTombstone(store: Store, access: AccessControl = OPEN_ACCESS) {
  return handle(
    access,
    'Tombstone',
    (s, e) => store.tombstone(s, e),
    (position) => {
      const p = new TombstoneResp.Position().setCommitPosition(position.toString()).setPreparePosition(position.toString());
      return new TombstoneResp().setPosition(p);
    },
  );
}
