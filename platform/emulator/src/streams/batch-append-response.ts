/**
 * A successful append's BatchAppendResp, encoded straight to its wire bytes: every append is
 * answered with one, and building and serializing its five google-protobuf objects cost more
 * than the append itself. The layout is streams.proto's (the unit test checks it against the
 * generated serializer): BatchAppendResp { correlation_id = 1, success = 3,
 * stream_identifier = 4 }; Success { current_revision = 1 | no_stream = 2, position = 3 };
 * AllStreamPosition { commit_position = 1, prepare_position = 2 }; UUID.string = 2;
 * StreamIdentifier.stream_name = 3. Fields go in field-number order, zeros left out, as
 * google-protobuf writes them.
 */
import { fieldSize, ProtobufWriter, varintSize } from '../wire/protobuf-writer';

/**
 * The answer to an append that succeeded: `nextRevision` is the stream's last revision
 * (negative for a stream still without events: `no_stream`), `position` the last event's.
 * `correlationId` goes back as the client sent it, in its string form.
 */
export function encodeAppendSuccess(correlationId: string, streamName: string, nextRevision: bigint, position: bigint): Buffer {
  const idLength = Buffer.byteLength(correlationId, 'utf8');
  const nameLength = Buffer.byteLength(streamName, 'utf8');
  const uuidSize = fieldSize(idLength);
  const identifierSize = nameLength > 0 ? fieldSize(nameLength) : 0;
  const positionFieldSize = position === 0n ? 0 : 1 + varintSize(position);
  const allPositionSize = 2 * positionFieldSize;
  const revisionSize = nextRevision < 0n ? fieldSize(0) : 1 + varintSize(nextRevision);
  const successSize = revisionSize + fieldSize(allPositionSize);
  const out = new ProtobufWriter(Buffer.allocUnsafe(fieldSize(uuidSize) + fieldSize(successSize) + fieldSize(identifierSize)));
  out.header(1, uuidSize);
  out.string(2, correlationId, idLength);
  out.header(3, successSize);
  if (nextRevision < 0n) out.header(2, 0);
  else out.uint(1, nextRevision);
  out.header(3, allPositionSize);
  if (position !== 0n) {
    out.uint(1, position);
    out.uint(2, position);
  }
  out.header(4, identifierSize);
  if (nameLength > 0) out.string(3, streamName, nameLength);
  return out.buffer;
}
