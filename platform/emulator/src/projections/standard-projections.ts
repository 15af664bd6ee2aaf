/**
 * The real server's four standard (system) projections as pure functions of one `$all`
 * record: what each one emits for it. Each rule follows the server's handler of the same
 * name in src/EventStore.Projections.Core/Standard/ (EventStore/EventStore).
 */
import { LINK_TYPE } from '../store/links';
import type { RecordedEvent } from '../store/store';
import { DELETED_STREAM, parseLimits } from '../store/stream-metadata';

export const SYSTEM_PROJECTIONS = ['$by_category', '$by_event_type', '$streams', '$stream_by_category'] as const;
export type SystemProjectionName = (typeof SYSTEM_PROJECTIONS)[number];

/** SystemEventTypes.StreamReference: `$stream_by_category` writes the stream's name as data. */
export const STREAM_REFERENCE_TYPE = '$@';
const STREAM_DELETED_TYPE = '$streamDeleted';
const METADATA_TYPE = '$metadata';

/** One event a projection writes, before the projection's own metadata (`$v`, `$c`, `$p`, `$causedBy`) is added. */
export interface Emission {
  readonly stream: string;
  readonly type: string;
  readonly data: string;
  readonly isJson: boolean;
  /** ExtraMetaData of the emitted event, e.g. `$o` (original stream) and `$deleted`. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/**
 * StreamCategoryExtractorByFirstSeparator with '-' (the server's default `$by_category`
 * source): the part before the first '-', none for `$`-streams or names without one.
 */
export function categoryOf(streamId: string): string | undefined {
  if (streamId.startsWith('$')) return undefined;
  const at = streamId.indexOf('-');
  return at > 0 ? streamId.slice(0, at) : undefined;
}

/**
 * StreamDeletedHelper.IsStreamDeletedEvent: a `$streamDeleted` tombstone, or a `$metadata`
 * event in `$$<stream>` whose `$tb` is EventNumber.DeletedStream (a soft delete). Returns the
 * deleted stream's name, or undefined.
 */
export function deletedStreamOf(record: RecordedEvent): string | undefined {
  if (record.streamId.startsWith('$$')) {
    if (record.type !== METADATA_TYPE) return undefined;
    return parseLimits(record.data).truncateBefore === Number.POSITIVE_INFINITY ? record.streamId.slice(2) : undefined;
  }
  return record.type === STREAM_DELETED_TYPE ? record.streamId : undefined;
}

function text(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

/** The revision a record is linked at (a tombstone keeps its 2^63 - 1). */
function revisionOf(record: RecordedEvent): string {
  return record.revision === DELETED_STREAM ? DELETED_STREAM.toString() : record.revision.toString();
}

/**
 * CategorizeEventsByStreamPath: every record (links included) of a stream with a category
 * is linked into `$ce-<category>`; a link is re-linked to its own target. A deletion is linked
 * too, under the deleted stream's category, marked `$deleted: -1` (EmittedLinkToWithRecategorization).
 */
function byCategory(record: RecordedEvent): Emission | undefined {
  const deleted = deletedStreamOf(record);
  const original = deleted ?? record.streamId;
  const category = categoryOf(original);
  if (category === undefined) return undefined;
  const target = record.type === LINK_TYPE ? text(record.data) : `${revisionOf(record)}@${record.streamId}`;
  const extra: Record<string, unknown> = { $o: original };
  if (deleted !== undefined) extra['$deleted'] = -1;
  return { stream: `$ce-${category}`, type: LINK_TYPE, data: target, isJson: false, extra };
}

/**
 * IndexEventsByEventType: every record (but links) is linked into `$et-<type>`; a deletion goes
 * to `$et-$deleted`, linked at the deleted stream, marked `$deleted: -1`.
 */
function byEventType(record: RecordedEvent): Emission | undefined {
  if (record.type === LINK_TYPE) return undefined;
  const deleted = deletedStreamOf(record);
  if (deleted !== undefined) {
    return { stream: '$et-$deleted', type: LINK_TYPE, data: `${revisionOf(record)}@${deleted}`, isJson: false, extra: { $deleted: -1 } };
  }
  return { stream: `$et-${record.type}`, type: LINK_TYPE, data: `${revisionOf(record)}@${record.streamId}`, isJson: false, extra: {} };
}

/** IndexStreams: the first event (revision 0) of every stream the projections see, linked into `$streams`. */
function streams(record: RecordedEvent): Emission | undefined {
  if (record.revision !== 0n) return undefined;
  return { stream: '$streams', type: LINK_TYPE, data: `0@${record.streamId}`, isJson: false, extra: {} };
}

/** CategorizeStreamByPath: a stream's first event names the stream in `$category-<category>` (a `$@` event, not a link). */
function streamByCategory(record: RecordedEvent): Emission | undefined {
  if (record.revision !== 0n) return undefined;
  const category = categoryOf(record.streamId);
  if (category === undefined) return undefined;
  return { stream: `$category-${category}`, type: STREAM_REFERENCE_TYPE, data: record.streamId, isJson: false, extra: {} };
}

interface Handler {
  /** SourceDefinitionBuilder.SetIncludeLinks: whether `$>` records reach the handler. */
  readonly includeLinks: boolean;
  readonly handle: (record: RecordedEvent) => Emission | undefined;
}

const HANDLERS: Readonly<Record<SystemProjectionName, Handler>> = {
  $by_category: { includeLinks: true, handle: byCategory },
  $by_event_type: { includeLinks: false, handle: byEventType },
  $streams: { includeLinks: true, handle: streams },
  $stream_by_category: { includeLinks: true, handle: streamByCategory },
};

/**
 * TransactionFileEventFilter.PassesSource, the filter of every projection reading `$all`:
 * records of `$`-streams never reach a projection (so links, checkpoints and persistent
 * subscriptions' bookkeeping cannot feed back into them), except the metastreams of user
 * streams; links only where the projection includes them.
 */
export function passesSource(record: RecordedEvent, includeLinks: boolean): boolean {
  if (!includeLinks && record.type === LINK_TYPE) return false;
  const stream = record.streamId;
  if (!stream.startsWith('$')) return true;
  return stream.startsWith('$$') && !stream.slice(2).startsWith('$');
}

/** What the named system projection writes for one record of `$all`, if anything. */
export function emissionOf(projection: SystemProjectionName, record: RecordedEvent): Emission | undefined {
  const handler = HANDLERS[projection];
  return passesSource(record, handler.includeLinks) ? handler.handle(record) : undefined;
}
