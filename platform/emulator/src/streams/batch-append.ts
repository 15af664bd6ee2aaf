/**
 * Streams.BatchAppend: one long-lived bidirectional stream shared by a client's appends.
 * Each append is a correlation id, options on its first message, proposed messages spread
 * over messages until `is_final`; each gets one response carrying its correlation id and
 * stream identifier, errors as a google.rpc.Status with typed details
 * (EventStoreDB's Streams.BatchAppend.cs and Status.cs).
 */

import {
  AccessDenied,
  AllStreamPosition,
  BadRequest as BadRequestDetail,
  MaximumAppendSizeExceeded,
  StreamDeleted,
  StreamIdentifier,
  Timeout,
  UUID,
  WrongExpectedVersion,
} from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { BatchAppendResp } from '@eventstore/db-client/generated/streams_pb';
import type * as grpc from '@grpc/grpc-js';
import { type AccessControl, OPEN_ACCESS } from '../server/access-control';
import * as grpcStatus from '../server/grpc-status';
import { RecordTooLargeError } from '../store/record-limits';
import type { ExpectedState, ProposedEvent, Store } from '../store/store';
import type { DecodedBatchAppend, DecodedOptions, DecodedUuid } from './batch-append-decoding';
import { encodeAppendSuccess } from './batch-append-response';
import { BadRequest, canonicalUuid, expectedState, streamIdentifier, streamNameFromBytes, uuidMessage } from './convert';
import { GoogleEmpty, packAny } from './google-protobuf';
import { appendSize, proposedEvent } from './proposed-events';

interface PendingWrite {
  readonly streamName: string;
  readonly expected: ExpectedState;
  readonly events: ProposedEvent[];
  size: number;
}

function status(code: number, message: string, detail: { serializeBinary(): Uint8Array }, typeName: string): Status {
  return new Status().setCode(code).setMessage(message).setDetails(packAny(detail.serializeBinary(), typeName));
}

function wrongExpectedVersion(actual: bigint | undefined, expected: ExpectedState): Status {
  const detail = new WrongExpectedVersion();
  if (actual === undefined) detail.setCurrentNoStream(new GoogleEmpty());
  else detail.setCurrentStreamRevision(actual.toString());
  switch (expected.kind) {
    case 'revision':
      detail.setExpectedStreamPosition(expected.revision.toString());
      break;
    case 'any':
      detail.setExpectedAny(new GoogleEmpty());
      break;
    case 'stream_exists':
      detail.setExpectedStreamExists(new GoogleEmpty());
      break;
    case 'no_stream':
      detail.setExpectedNoStream(new GoogleEmpty());
      break;
  }
  return status(grpcStatus.ALREADY_EXISTS, 'WrongExpectedVersion', detail, 'event_store.client.WrongExpectedVersion');
}

function badRequest(message: string): Status {
  return status(grpcStatus.INVALID_ARGUMENT, 'BadRequest', new BadRequestDetail().setMessage(message), 'event_store.client.BadRequest');
}

const TIMEOUT = () => status(grpcStatus.DEADLINE_EXCEEDED, 'Timeout', new Timeout(), 'event_store.client.Timeout');

function deadlinePassed(options: DecodedOptions): boolean {
  return options.deadline !== undefined && options.deadline <= Date.now();
}

/**
 * `track` registers a function that ends the call once its appends are answered: the
 * server calls it when closing, so that shutdown does not wait for clients to hang up.
 */
/**
 * `track` registers the call's drain: at shutdown it stops taking appends and resolves once
 * the appends in flight are durable and answered (the call is then aborted by the server).
 */
export function handleBatchAppend(
  store: Store,
  track: (drain: () => Promise<void>) => () => void,
  maxAppendSize: number,
  access: AccessControl = OPEN_ACCESS,
) {
  return (call: grpc.ServerDuplexStream<DecodedBatchAppend, BatchAppendResp>): void => {
    const pending = new Map<string, PendingWrite>();
    let inFlight = 0;
    let ended = false;
    let finished = false;
    let draining = false;
    let idle: (() => void) | undefined;
    const finishIfDone = () => {
      if (inFlight === 0) idle?.();
      if (!ended || inFlight > 0 || finished) return;
      finished = true;
      untrack();
      call.end();
    };
    const untrack = track(() => {
      draining = true;
      if (inFlight === 0 || finished) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idle = resolve;
      });
    });
    // The correlation id goes back as the client sent it, which is how it matches responses.
    const respond = (correlation: DecodedUuid | undefined, streamName: string | undefined) => {
      const response = new BatchAppendResp();
      if (correlation?.structured) response.setCorrelationId(uuidMessage(canonicalUuid(correlation.text, 'correlation_id'), true));
      else if (correlation) response.setCorrelationId(new UUID().setString(correlation.text));
      if (streamName !== undefined) response.setStreamIdentifier(streamIdentifier(streamName));
      return response;
    };

    call.on('data', (req: DecodedBatchAppend) => {
      // Shutting down: nothing new is written; the abort that follows rejects it on the client.
      if (draining) return;
      const correlation = req.correlationId;
      let key: string;
      try {
        key = canonicalUuid(correlation?.text, 'correlation_id');
      } catch (error) {
        // Unparseable: answered as sent (if at all), so a client can still match it.
        call.write(
          respond(correlation?.structured ? undefined : correlation, undefined).setError(
            badRequest(error instanceof BadRequest ? error.message : String(error)),
          ),
        );
        return;
      }
      let streamName: string | undefined;
      try {
        const options = req.options;
        if (options) {
          streamName = streamNameFromBytes(options.streamName);
          const expected = expectedState(options.expected, () => options.revision);
          if (deadlinePassed(options)) {
            pending.delete(key);
            call.write(respond(correlation, streamName).setError(TIMEOUT()));
            return;
          }
          if (access.checkStream(call.metadata, streamName, 'write')) {
            pending.delete(key);
            call.write(
              respond(correlation, streamName).setError(
                status(grpcStatus.PERMISSION_DENIED, 'Access Denied', new AccessDenied(), 'event_store.client.AccessDenied'),
              ),
            );
            return;
          }
          if (!pending.has(key)) pending.set(key, { streamName, expected, events: [], size: 0 });
        }
        const write = pending.get(key);
        // Messages of an append already answered (or never opened) are dropped, as EventStoreDB does.
        if (!write) return;
        streamName = write.streamName;
        for (const message of req.messages) {
          const event = proposedEvent(
            {
              idText: message.id?.text,
              type: message.type,
              contentType: message.contentType,
              data: message.data,
              metadata: message.customMetadata,
            },
            write.events.length,
          );
          write.size += appendSize(event);
          write.events.push(event);
        }
        if (write.size > maxAppendSize) {
          pending.delete(key);
          const detail = new MaximumAppendSizeExceeded().setMaxappendsize(maxAppendSize);
          call.write(
            respond(correlation, streamName).setError(
              status(grpcStatus.INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', detail, 'event_store.client.MaximumAppendSizeExceeded'),
            ),
          );
          return;
        }
        if (!req.isFinal) return;
        pending.delete(key);
        inFlight++;
        store
          .append(write.streamName, write.expected, write.events)
          .then(
            (outcome) => {
              if (call.cancelled) return;
              // The common answer goes out pre-encoded (see module.ts for the serializer).
              if (outcome.kind === 'success' && correlation !== undefined && !correlation.structured) {
                call.write(encodeAppendSuccess(correlation.text, write.streamName, outcome.nextRevision, outcome.position) as never);
                return;
              }
              const response = respond(correlation, write.streamName);
              switch (outcome.kind) {
                case 'success': {
                  const success = new BatchAppendResp.Success();
                  if (outcome.nextRevision < 0n) success.setNoStream(new GoogleEmpty());
                  else success.setCurrentRevision(outcome.nextRevision.toString());
                  const position = new AllStreamPosition()
                    .setCommitPosition(outcome.position.toString())
                    .setPreparePosition(outcome.position.toString());
                  success.setPosition(position);
                  response.setSuccess(success);
                  break;
                }
                case 'wrong_expected_version':
                  response.setError(wrongExpectedVersion(outcome.actual, write.expected));
                  break;
                case 'stream_deleted':
                  response.setError(
                    status(
                      grpcStatus.NOT_FOUND,
                      'StreamDeleted',
                      new StreamDeleted().setStreamIdentifier(streamIdentifier(write.streamName)),
                      'event_store.client.StreamDeleted',
                    ),
                  );
                  break;
              }
              call.write(response);
            },
            (error: unknown) => {
              const message = error instanceof Error ? error.message : String(error);
              // A batch the log cannot hold fails alone, as a bad request; anything else is the store's trouble.
              const answer =
                error instanceof RecordTooLargeError
                  ? badRequest(message)
                  : status(grpcStatus.UNAVAILABLE, message, new GoogleEmpty(), 'google.protobuf.Empty');
              if (!call.cancelled) call.write(respond(correlation, write.streamName).setError(answer));
            },
          )
          .finally(() => {
            inFlight--;
            finishIfDone();
          });
      } catch (error) {
        pending.delete(key);
        const message = error instanceof BadRequest ? error.message : String(error);
        const response = respond(correlation, streamName).setError(badRequest(message));
        // @eventstore/db-client reads the stream name of every error answer (a missing one throws
        // inside its stream handler and the append never settles): an unreadable name goes back as sent.
        if (streamName === undefined && req.options?.streamName) {
          response.setStreamIdentifier(new StreamIdentifier().setStreamName(req.options.streamName));
        }
        call.write(response);
      }
    });
    call.on('end', () => {
      ended = true;
      finishIfDone();
    });
    call.on('error', () => {
      ended = true;
      finishIfDone();
    });
    call.on('cancelled', () => {
      finished = true;
      untrack();
      idle?.();
    });
  };
}
