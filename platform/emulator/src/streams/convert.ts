/** Between the protobuf messages of streams.proto / shared.proto and the store's types. */

import { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { errors, type RpcError } from '../server/errors';
import type { ExpectedState, RecordedEvent } from '../store/store';

const UUID_PATTERN = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** Already lower-case and hyphenated, as the clients send ids: kept as it is (one flat string). */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_UINT64 = 18446744073709551615n;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Thrown by the readers below; the handlers send it back as the call's error. */
export class BadRequest extends Error {
  constructor(readonly rpc: RpcError) {
    super(rpc.details);
  }
}

function bad(message: string): BadRequest {
  return new BadRequest(errors.invalidArgument(message));
}

export function readStreamName(identifier: StreamIdentifier | undefined, field = 'stream_identifier'): string {
  if (!identifier) throw bad(`Required field ${field} is not set.`);
  return streamNameFromBytes(identifier.getStreamName_asU8(), field);
}

export function streamNameFromBytes(bytes: Uint8Array | undefined, field = 'stream_identifier'): string {
  if (!bytes) throw bad(`Required field ${field} is not set.`);
  if (bytes.length === 0) throw bad(`${field}: the stream name is empty.`);
  if (bytes.length > 0xffff) throw bad(`${field}: the stream name is longer than 65535 bytes.`);
  try {
    return utf8.decode(bytes);
  } catch {
    throw bad(`${field}: the stream name is not valid UTF-8.`);
  }
}

function hex64(value: string): string {
  return BigInt.asUintN(64, BigInt(value)).toString(16).padStart(16, '0');
}

/** A UUID message's text: the string form as sent, or the structured form as 32 hex digits. */
export function uuidText(uuid: UUID | undefined): string | undefined {
  if (!uuid) return undefined;
  if (!uuid.hasStructured()) return uuid.getString();
  const s = uuid.getStructured()!;
  try {
    return hex64(s.getMostSignificantBits()) + hex64(s.getLeastSignificantBits());
  } catch {
    return 'not a number';
  }
}

/** A UUID message (string or structured form) as a lower-case hyphenated string. */
export function readUuid(uuid: UUID | undefined, field: string): string {
  return canonicalUuid(uuidText(uuid), field);
}

export function canonicalUuid(text: string | undefined, field: string): string {
  if (text === undefined) throw bad(`Required field ${field} is not set.`);
  if (CANONICAL_UUID.test(text)) return text;
  if (!UUID_PATTERN.test(text)) throw bad(`${field} '${text}' is not a valid UUID.`);
  const h = text.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function uuidMessage(id: string, structured: boolean): UUID {
  const uuid = new UUID();
  if (!structured) return uuid.setString(id);
  const h = id.replace(/-/g, '');
  const s = new UUID.Structured();
  s.setMostSignificantBits(BigInt.asIntN(64, BigInt(`0x${h.slice(0, 16)}`)).toString());
  s.setLeastSignificantBits(BigInt.asIntN(64, BigInt(`0x${h.slice(16)}`)).toString());
  return uuid.setStructured(s);
}

export function readUint64(value: string, field: string): bigint {
  let n: bigint;
  try {
    n = BigInt(value);
  } catch {
    throw bad(`${field} '${value}' is not an unsigned 64-bit integer.`);
  }
  if (n < 0n || n > MAX_UINT64) throw bad(`${field} '${value}' is not an unsigned 64-bit integer.`);
  return n;
}

/** The oneof cases shared by Append, BatchAppend, Delete and Tombstone options. */
export type ExpectedCase = 'revision' | 'no_stream' | 'any' | 'stream_exists' | 'unset';

/**
 * The expected-revision oneof by field number: Append, BatchAppend, Delete and Tombstone
 * options all number it revision 2, no_stream 3, any 4, stream_exists 5.
 */
export const EXPECTED_CASES: Readonly<Record<number, ExpectedCase>> = { 2: 'revision', 3: 'no_stream', 4: 'any', 5: 'stream_exists' };

export function expectedState(kind: ExpectedCase, revision: () => string): ExpectedState {
  switch (kind) {
    case 'revision':
      return { kind: 'revision', revision: readUint64(revision(), 'expected revision') };
    case 'no_stream':
    case 'any':
    case 'stream_exists':
      return { kind };
    case 'unset':
      throw bad('Required field expected_stream_revision is not set.');
  }
}

/** EventStoreDB's long form of an expected state, for error trailers. */
export function expectedVersionNumber(expected: ExpectedState): bigint {
  switch (expected.kind) {
    case 'revision':
      return expected.revision;
    case 'any':
      return -2n;
    case 'no_stream':
      return -1n;
    case 'stream_exists':
      return -4n;
  }
}

const identifiers = new Map<string, StreamIdentifier>();

export function streamIdentifier(name: string): StreamIdentifier {
  let id = identifiers.get(name);
  if (!id) {
    id = new StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));
    if (identifiers.size > 10_000) identifiers.clear();
    identifiers.set(name, id);
  }
  return id;
}

/** A stored event as Streams.Read sends it (metadata keys as in EventStoreDB's Constants.Metadata). */
export function readEventResponse(event: RecordedEvent, structuredUuid: boolean): ReadResp {
  const position = event.position.toString();
  const recorded = new ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(uuidMessage(event.id, structuredUuid));
  recorded.setStreamIdentifier(streamIdentifier(event.streamId));
  recorded.setStreamRevision(event.revision.toString());
  recorded.setPreparePosition(position);
  recorded.setCommitPosition(position);
  const map = recorded.getMetadataMap();
  map.set('type', event.type);
  map.set('content-type', event.contentType);
  map.set('created', event.created.toString());
  recorded.setData(event.data);
  recorded.setCustomMetadata(event.metadata);
  const readEvent = new ReadResp.ReadEvent();
  readEvent.setEvent(recorded);
  readEvent.setCommitPosition(position);
  return new ReadResp().setEvent(readEvent);
}
