/** Streams.Append: a client stream of options then proposed messages, one response. */

import { Empty } from '@eventstore/db-client/generated/shared_pb';
import { type AppendReq, AppendResp } from '@eventstore/db-client/generated/streams_pb';
import type * as grpc from '@grpc/grpc-js';
import { type AccessControl, OPEN_ACCESS } from '../server/access-control';
import { errors, type RpcError, replyError } from '../server/errors';
import { RecordTooLargeError } from '../store/record-limits';
import type { AppendOutcome, ExpectedState, ProposedEvent, Store } from '../store/store';
import { BadRequest, EXPECTED_CASES, expectedState, readStreamName, uuidText } from './convert';
import { appendSize, proposedEvent } from './proposed-events';

export function toRpcError(error: unknown): RpcError {
  if (error instanceof BadRequest) return error.rpc;
  // The log cannot hold this request (a derived name too long): it fails alone, the store stays writable.
  if (error instanceof RecordTooLargeError) return errors.invalidArgument(error.message);
  const message = error instanceof Error ? error.message : String(error);
  return errors.unavailable(`the emulator could not complete the request: ${message}`);
}

/** `maxAppendSize`: the server's MaxAppendSize, bytes of type, data and metadata per append. */
export function handleAppend(store: Store, maxAppendSize: number, access: AccessControl = OPEN_ACCESS) {
  return (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>): void => {
    let streamName: string | undefined;
    let expected: ExpectedState | undefined;
    const events: ProposedEvent[] = [];
    let size = 0;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      replyError(callback, toRpcError(error));
    };
    call.on('data', (req: AppendReq) => {
      if (failed) return;
      try {
        if (streamName === undefined) {
          const options = req.getOptions();
          if (!options) throw new BadRequest(errors.invalidArgument('The first message of an append must carry its options.'));
          streamName = readStreamName(options.getStreamIdentifier());
          const denied = access.checkStream(call.metadata, streamName, 'write');
          if (denied) throw new BadRequest(denied);
          const kind = EXPECTED_CASES[options.getExpectedStreamRevisionCase()] ?? 'unset';
          expected = expectedState(kind, () => options.getRevision());
          return;
        }
        const message = req.getProposedMessage();
        if (!message) throw new BadRequest(errors.invalidArgument('After the options an append carries only proposed messages.'));
        const map = message.getMetadataMap();
        const event = proposedEvent(
          {
            idText: uuidText(message.getId()),
            type: map.get('type'),
            contentType: map.get('content-type'),
            data: message.getData_asU8(),
            metadata: message.getCustomMetadata_asU8(),
          },
          events.length,
        );
        size += appendSize(event);
        if (size > maxAppendSize) throw new BadRequest(errors.maximumAppendSizeExceeded(maxAppendSize));
        events.push(event);
      } catch (error) {
        fail(error);
      }
    });
    call.on('error', () => {
      failed = true;
    });
    call.on('end', () => {
      if (failed) return;
      if (streamName === undefined || expected === undefined) {
        fail(new BadRequest(errors.invalidArgument('An append needs its options.')));
        return;
      }
      const name = streamName;
      const exp = expected;
      store.append(name, exp, events).then(
        (outcome) => {
          if (outcome.kind === 'stream_deleted') replyError(callback, errors.streamDeleted(name));
          else callback(null, appendResponse(outcome, exp));
        },
        (error: unknown) => fail(error),
      );
    });
  };
}

/** Success, or WrongExpectedVersion as a response (EventStoreDB 20.6+), with the 20.6.0 fields too. */
function appendResponse(outcome: Exclude<AppendOutcome, { kind: 'stream_deleted' }>, expected: ExpectedState): AppendResp {
  const response = new AppendResp();
  if (outcome.kind === 'success') {
    const success = new AppendResp.Success();
    if (outcome.nextRevision < 0n) success.setNoStream(new Empty());
    else success.setCurrentRevision(outcome.nextRevision.toString());
    const position = new AppendResp.Position();
    position.setCommitPosition(outcome.position.toString());
    position.setPreparePosition(outcome.position.toString());
    success.setPosition(position);
    return response.setSuccess(success);
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  switch (expected.kind) {
    case 'any':
      wrong.setExpectedAny(new Empty()).setAny2060(new Empty());
      break;
    case 'stream_exists':
      wrong.setExpectedStreamExists(new Empty()).setStreamExists2060(new Empty());
      break;
    case 'no_stream':
      wrong.setExpectedNoStream(new Empty());
      break;
    case 'revision':
      wrong.setExpectedRevision(expected.revision.toString()).setExpectedRevision2060(Number(expected.revision));
      break;
  }
  if (outcome.actual === undefined) wrong.setCurrentNoStream(new Empty()).setNoStream2060(new Empty());
  else wrong.setCurrentRevision(outcome.actual.toString()).setCurrentRevision2060(Number(outcome.actual));
  return response.setWrongExpectedVersion(wrong);
}
