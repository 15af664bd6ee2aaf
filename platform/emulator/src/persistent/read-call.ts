import { type ReadReq, ReadResp } from '@eventstore/db-client/generated/persistent_pb';
import { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { type AccessControl, OPEN_ACCESS } from '../server/access-control';
import { type RpcError, sendError } from '../server/errors';
import type { RecordedEvent } from '../store/store';
import type { Consumer } from './consumer';
import { groupDoesNotExist, groupDropped, invalidArgument, maximumSubscribersReached } from './grpc-errors';
import type { OutstandingMessage } from './messages';
import { encodeEventResponse } from './read-response-encoding';
import { nackAction, streamName, uuidToString } from './requests';
import type { SubscriptionGroup } from './subscription-group';
import type { SubscriptionService } from './subscription-service';

/** The header the client names its connection with (the real server's Constants.Headers.ConnectionName). */
const CONNECTION_NAME_HEADER = 'connection-name';

/**
 * One Read call: the first request names the group; the server confirms with
 * `<stream>::<group>`, then streams events while acks and nacks come back on the same call.
 * Cancelling the call unsubscribes; the consumer's unacknowledged messages are retried.
 */
export function handleRead(
  service: SubscriptionService,
  call: ServerDuplexStream<ReadReq, ReadResp>,
  username: string,
  access: AccessControl = OPEN_ACCESS,
): void {
  let group: SubscriptionGroup | undefined;
  let consumer: Consumer | undefined;
  let structuredIds = false;
  let ended = false;

  const finish = (): void => {
    if (ended) return;
    ended = true;
    if (group !== undefined && consumer !== undefined) group.removeConsumer(consumer);
  };
  const fail = (error: RpcError): void => {
    if (ended) return;
    finish();
    sendError(call, error);
  };

  call.on('data', (request: ReadReq) => {
    if (ended) return;
    if (consumer === undefined) {
      const options = request.getOptions();
      if (options === undefined) {
        fail(invalidArgument('The first Read request must carry the subscription options.'));
        return;
      }
      const source = options.hasAll() ? '$all' : streamName(options.getStreamIdentifier());
      const groupName = options.getGroupName();
      // Subscriptions.ProcessMessages: an authenticated caller who may read the source stream.
      const denied = access.checkStream(call.metadata, source, 'read');
      if (denied) {
        fail(denied);
        return;
      }
      const found = service.get(source, groupName);
      if (found === undefined) {
        fail(groupDoesNotExist(source, groupName));
        return;
      }
      if (found.isFull) {
        fail(maximumSubscribersReached(source, groupName));
        return;
      }
      structuredIds = options.getUuidOption()?.hasStructured() ?? false;
      // The confirmation goes first: addConsumer may deliver buffered events synchronously.
      call.write(confirmation(found.id));
      group = found;
      consumer = found.addConsumer({
        connectionName: String(call.metadata.get(CONNECTION_NAME_HEADER)[0] ?? '<unknown>'),
        // The real server's gRPC Read passes an empty `from` (PersistentSubscriptions.Read.cs, ConnectToPersistentSubscription...(..., string.Empty, user)).
        from: '',
        username,
        bufferSize: options.getBufferSize(),
        // Clients ask for string ids; their events go out pre-encoded (see module.ts for the serializer).
        deliver: (message) => call.write(structuredIds ? toReadResp(message, true) : (encodeEventResponse(message) as never)),
        dropped: () => {
          ended = true;
          sendError(call, groupDropped(source, groupName));
        },
      });
      return;
    }
    const ack = request.getAck();
    if (ack !== undefined) {
      group!.acknowledge(consumer, ack.getIdsList().map(uuidToString));
      return;
    }
    const nack = request.getNack();
    if (nack !== undefined) group!.nack(consumer, nack.getIdsList().map(uuidToString), nackAction(nack.getAction()), nack.getReason());
  });
  call.on('cancelled', finish);
  call.on('error', finish);
  call.on('close', finish);
}

function confirmation(subscriptionId: string): ReadResp {
  const response = new ReadResp();
  const confirmation = new ReadResp.SubscriptionConfirmation();
  confirmation.setSubscriptionId(subscriptionId);
  response.setSubscriptionConfirmation(confirmation);
  return response;
}

function toReadResp(message: OutstandingMessage, structuredIds: boolean): ReadResp {
  const { resolved } = message;
  const event = new ReadResp.ReadEvent();
  if (resolved.event !== undefined) event.setEvent(toRecorded(resolved.event, resolved.original, structuredIds));
  if (resolved.link !== undefined) event.setLink(toRecorded(resolved.link, resolved.original, structuredIds));
  event.setCommitPosition(resolved.original.position.toString());
  event.setRetryCount(message.retryCount);
  const response = new ReadResp();
  response.setEvent(event);
  return response;
}

function toRecorded(record: RecordedEvent, original: RecordedEvent, structuredIds: boolean): ReadResp.ReadEvent.RecordedEvent {
  const out = new ReadResp.ReadEvent.RecordedEvent();
  const id = new UUID();
  if (structuredIds) {
    const hex = record.id.replaceAll('-', '');
    const structured = new UUID.Structured();
    structured.setMostSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString());
    structured.setLeastSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)).toString());
    id.setStructured(structured);
  } else {
    id.setString(record.id);
  }
  out.setId(id);
  const identifier = new StreamIdentifier();
  identifier.setStreamName(Buffer.from(record.streamId, 'utf8'));
  out.setStreamIdentifier(identifier);
  out.setStreamRevision(record.revision.toString());
  // The real server gives both records the position of the one read from the source.
  out.setCommitPosition(original.position.toString());
  out.setPreparePosition(original.position.toString());
  const metadata = out.getMetadataMap();
  metadata.set('type', record.type);
  metadata.set('created', record.created.toString());
  metadata.set('content-type', record.contentType);
  out.setCustomMetadata(record.metadata);
  out.setData(record.data);
  return out;
}
