import {
  BACKWARDS,
  END,
  type EventStoreDBClient,
  FORWARDS,
  PersistentSubscriptionDoesNotExistError,
  type Position,
  START,
  StreamNotFoundError,
} from '@eventstore/db-client';
import type { SubscriptionSource } from '../contract/define-function';

/** A point in the source: `at` compares (commit or revision); `position` is `$all`'s full position, to read from. */
export interface LogPosition {
  readonly at: bigint;
  readonly position?: Position;
}

/**
 * Where a group stands against the log, in the source's own coordinates: commit positions for `$all`,
 * stream revisions for one stream.
 */
export interface GroupStanding {
  readonly exists: boolean;
  /** The last position the server checkpointed for the group; undefined before its first checkpoint. */
  readonly checkpoint?: LogPosition;
  readonly parked: number;
  readonly inFlight: number;
  readonly retryBuffer: number;
  /**
   * The checkpoint lies past the last event the group has read. Legitimate once a filtered group has
   * stepped over events it does not get; but the emulator also reports such a position for a fresh
   * filtered `$all` group before it has processed anything.
   */
  readonly beyondRead?: boolean;
}

/**
 * Does the group get this `$all` event? The client's `readAll` takes no filter, so reads of `$all`
 * are filtered here, as the server filters the group's deliveries; system events never reach a function.
 */
function delivered(source: Extract<SubscriptionSource, { all: unknown }>, event: { streamId: string; type: string }): boolean {
  if (event.streamId.startsWith('$')) return false;
  const { streamNamePrefixes, eventTypePrefixes } = source.all;
  if (streamNamePrefixes && streamNamePrefixes.length > 0) return streamNamePrefixes.some((p) => event.streamId.startsWith(p));
  if (eventTypePrefixes && eventTypePrefixes.length > 0) return eventTypePrefixes.some((p) => event.type.startsWith(p));
  return true;
}

// Events of other streams (and system links) interleave with the group's: a bounded count reads this many more.
const OTHER_EVENTS_ALLOWANCE = 1_000;
// How far back to look for the last delivered event (other streams' events and system links come after it).
const LAST_EVENT_SCAN = 1_000;
// A count up to a build's target reads `$all` in pages of this many records and stops once past the target,
// rather than reading to the end of a log that keeps growing while the build runs.
const TARGET_COUNT_PAGE = 5_000;

async function read<T>(iterable: AsyncIterable<T>, visit: (item: T) => void): Promise<void> {
  try {
    // Read to the end rather than break: an abandoned read keeps client.dispose() waiting.
    for await (const item of iterable) visit(item);
  } catch (err) {
    if (!(err instanceof StreamNotFoundError)) throw err;
  }
}

/** The position of the last event the source delivers now (undefined when it has none): a build must get past it. */
export async function lastSourcePosition(client: EventStoreDBClient, source: SubscriptionSource): Promise<bigint | undefined> {
  let last: bigint | undefined;
  if ('stream' in source) {
    await read(client.readStream(source.stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }), (resolved) => {
      last = resolved.event?.revision ?? resolved.link?.revision;
    });
    return last;
  }
  let head: bigint | undefined;
  await read(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: LAST_EVENT_SCAN }), (resolved) => {
    head ??= resolved.event?.position?.commit;
    if (last !== undefined || !resolved.event || !delivered(source, resolved.event)) return;
    last = resolved.event.position?.commit;
  });
  // None of ours among the latest events (system links can pile up after them): the head is a safe, later target.
  if (last === undefined) return head;
  return last;
}

/**
 * Events the source delivers after `after` (exclusive; from the start when undefined), up to `upTo`
 * (inclusive) when given, counting at most `cap`: `capped` says the count stopped there.
 */
export async function countSourceEvents(
  client: EventStoreDBClient,
  source: SubscriptionSource,
  range: { after?: LogPosition; upTo?: bigint; cap: number },
): Promise<{ count: number; capped: boolean }> {
  let count = 0;
  let capped = false;
  const after = range.after?.at;
  const visit = (position: bigint | undefined) => {
    if (position === undefined) return;
    if (after !== undefined && position <= after) return;
    if (range.upTo !== undefined && position > range.upTo) return;
    if (count >= range.cap) capped = true;
    else count++;
  };
  if ('stream' in source) {
    const fromRevision = after === undefined ? START : after + 1n;
    const maxCount = range.upTo === undefined ? range.cap + 1 : Number.MAX_SAFE_INTEGER;
    await read(client.readStream(source.stream, { direction: FORWARDS, fromRevision, maxCount }), (resolved) => {
      const event = resolved.link ?? resolved.event;
      if (event) visit(event.revision);
    });
    return { count, capped };
  }
  // Positions in `$all` are byte offsets, so the range has to be read. Bounded when counting a backlog
  // (the cap, plus the checkpointed event itself); a count up to a target reads pages until past it.
  if (range.upTo !== undefined) {
    const upTo = range.upTo;
    let from: Position | typeof START = range.after?.position ?? START;
    let lastRead: bigint | undefined;
    for (;;) {
      let page = 0;
      let last: Position | undefined;
      await read(client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: TARGET_COUNT_PAGE }), (resolved) => {
        page++;
        const position = resolved.event?.position;
        // A page starts at the event the previous one ended with (reads from a position include it).
        if (!position || (lastRead !== undefined && position.commit <= lastRead)) return;
        last = position;
        if (resolved.event && delivered(source, resolved.event)) visit(position.commit);
      });
      if (page < TARGET_COUNT_PAGE || last === undefined || last.commit >= upTo) return { count, capped };
      from = last;
      lastRead = last.commit;
    }
  }
  const fromPosition = range.after?.position ?? START;
  const maxCount = range.cap + 2 + OTHER_EVENTS_ALLOWANCE;
  let scanned = 0;
  await read(client.readAll({ direction: FORWARDS, fromPosition, maxCount }), (resolved) => {
    scanned++;
    if (resolved.event && delivered(source, resolved.event)) visit(resolved.event.position?.commit);
  });
  // A read that stopped at its bound may have left matching events unread.
  return { count, capped: capped || scanned >= maxCount };
}

function beyond(checkpoint: bigint | undefined, lastKnown: bigint | undefined): boolean {
  return checkpoint !== undefined && lastKnown !== undefined && checkpoint > lastKnown;
}

/** The group's checkpoint and buffers as the server reports them. */
export async function groupStanding(client: EventStoreDBClient, source: SubscriptionSource, group: string): Promise<GroupStanding> {
  try {
    if ('stream' in source) {
      const info = await client.getPersistentSubscriptionToStreamInfo(source.stream, group);
      return {
        exists: true,
        ...(info.stats.lastCheckpointedEventRevision === undefined ? {} : { checkpoint: { at: info.stats.lastCheckpointedEventRevision } }),
        beyondRead: beyond(info.stats.lastCheckpointedEventRevision, info.stats.lastKnownEventRevision),
        parked: Number(info.stats.parkedMessageCount),
        inFlight: info.stats.totalInFlightMessages,
        retryBuffer: info.stats.retryBufferCount,
      };
    }
    const info = await client.getPersistentSubscriptionToAllInfo(group);
    const position = info.stats.lastCheckpointedEventPosition;
    const checkpoint = position === undefined ? undefined : { at: position.commit, position };
    return {
      exists: true,
      ...(checkpoint === undefined ? {} : { checkpoint }),
      beyondRead: beyond(position?.commit, info.stats.lastKnownEventPosition?.commit),
      parked: Number(info.stats.parkedMessageCount),
      inFlight: info.stats.totalInFlightMessages,
      retryBuffer: info.stats.retryBufferCount,
    };
  } catch (err) {
    if (err instanceof PersistentSubscriptionDoesNotExistError) return { exists: false, parked: 0, inFlight: 0, retryBuffer: 0 };
    throw new Error(`reading GetInfo of group '${group}'`, { cause: err });
  }
}

/** Deletes a group; one that is already gone is fine. */
export async function deleteGroup(client: EventStoreDBClient, source: SubscriptionSource, group: string): Promise<void> {
  try {
    if ('stream' in source) await client.deletePersistentSubscriptionToStream(source.stream, group);
    else await client.deletePersistentSubscriptionToAll(group);
  } catch (err) {
    if (!(err instanceof PersistentSubscriptionDoesNotExistError)) throw new Error(`deleting group '${group}'`, { cause: err });
  }
}
