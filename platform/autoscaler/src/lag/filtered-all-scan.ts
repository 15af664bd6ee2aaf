import {
  type AllStreamSubscription,
  type EventStoreDBClient,
  eventTypeFilter,
  type Filter,
  type Position,
  type START,
  streamNameFilter,
} from '@eventstore/db-client';
import type { AllFilter } from '../annotations/subscription-ref';

/**
 * The server scans this many `$all` events (matching or not) between two checkpoints it sends.
 * Checkpoints carry a reading past events the filter left out, so a rarely matching filter does not
 * scan the same stretch again next time; 32 × 32 keeps them to one small message per thousand events.
 */
const SEARCH_WINDOW = 32;
const CHECKPOINT_MULTIPLIER = 32;
const CHECKPOINT_EVENTS = SEARCH_WINDOW * CHECKPOINT_MULTIPLIER;

/**
 * A scan that has not caught up by then fails: a node older than 23.10 never says it caught up, and a
 * reading left waiting would hold up every later reading of the group. A capped scan takes well under a second.
 */
const SCAN_DEADLINE_MS = 30_000;

/** A user event's stream names never start with `$`: the node's own records and the projections' links do. */
const USER_STREAMS = '^[^$]';

/** Ends the call; one that never started (no connection) rejects here too, and the reading reports that failure already. */
const cancel = (subscription: AllStreamSubscription): void => void subscription.unsubscribe().catch(() => undefined);

/** An event of `$all` the server let through, in log order. */
export interface ScannedEvent {
  readonly position: Position;
  readonly streamId: string;
  readonly type: string;
}

/** How a scan ended: `end` is as far as it saw (an event or a server checkpoint); `capped` when it stopped before the head. */
export interface ScanEnd {
  readonly end: Position | undefined;
  readonly capped: boolean;
}

/**
 * The server-side part of a group's filter: it keeps the projections' links and the events of other
 * groups off the wire. Only one of stream name or event type can go to the server; the caller still
 * tests every event against the whole filter, so this only has to let through a superset.
 */
function serverFilter(filter: AllFilter | undefined): Filter | undefined {
  const window = { maxSearchWindow: SEARCH_WINDOW, checkpointInterval: CHECKPOINT_MULTIPLIER };
  if (filter === undefined) return streamNameFilter({ regex: USER_STREAMS, ...window });
  const streams = filter.streamNamePrefixes ?? [];
  if (streams.length > 0) return streamNameFilter({ prefixes: [...streams], ...window });
  const types = filter.eventTypePrefixes ?? [];
  if (types.length > 0) return eventTypeFilter({ prefixes: [...types], ...window });
  return undefined;
}

/**
 * Hands `visit` every `$all` event after `after` that can match `filter`, up to the head, through a
 * filtered catch-up subscription that ends once caught up: `readAll` has no filter, and reading
 * every event to filter here costs decoding each link the system projections write (two or three per
 * user event). `visit` returns false to stop (its cap); the scan also stops, capped, once the
 * server reports having scanned `scanCap` events, so one reading stays bounded on a long log.
 */
export async function scanAll(
  client: EventStoreDBClient,
  after: Position | typeof START,
  filter: AllFilter | undefined,
  scanCap: number,
  visit: (event: ScannedEvent) => boolean,
): Promise<ScanEnd> {
  let checkpoint: Position | undefined;
  let checkpoints = 0;
  let lastVisited: Position | undefined;
  /** Why this side ended the call; none means the call ended by itself. */
  let stopped: 'caughtUp' | 'visit' | 'scanCap' | 'deadline' | undefined;
  const stop = (subscription: AllStreamSubscription, why: NonNullable<typeof stopped>) => {
    if (stopped) return;
    stopped = why;
    cancel(subscription);
  };
  const server = serverFilter(filter);
  const subscription = client.subscribeToAll({
    fromPosition: after,
    ...(server && {
      filter: {
        ...server,
        checkpointReached: (s: AllStreamSubscription, position: Position) => {
          checkpoint = position;
          if (++checkpoints * CHECKPOINT_EVENTS >= scanCap) stop(s, 'scanCap');
        },
      },
    }),
  });
  subscription.on('caughtUp', () => stop(subscription, 'caughtUp'));
  const deadline = setTimeout(() => stop(subscription, 'deadline'), SCAN_DEADLINE_MS);
  deadline.unref();
  let visiting = true;
  try {
    // Read to the end of the cancelled call rather than leave it: what arrived before the stop still counts.
    for await (const resolved of subscription) {
      const event = resolved.event;
      if (!visiting || !event?.position) continue;
      if (visit({ position: event.position, streamId: event.streamId, type: event.type })) lastVisited = event.position;
      else {
        visiting = false;
        stop(subscription, 'visit');
      }
    }
  } finally {
    clearTimeout(deadline);
    if (!stopped) cancel(subscription);
  }
  // Client.dispose() (or a lost connection) ends the call quietly: without caughtUp the figure would be short.
  if (!stopped) throw new Error('the $all subscription ended before catching up');
  if (stopped === 'deadline') throw new Error(`the $all subscription did not catch up within ${SCAN_DEADLINE_MS} ms`);
  // Every event before a checkpoint has arrived once the call ended; after a stop by `visit` some were left out.
  const end = visiting && checkpoint && (!lastVisited || comparePositions(checkpoint, lastVisited) > 0) ? checkpoint : lastVisited;
  return { end, capped: stopped !== 'caughtUp' || !visiting };
}

export const comparePositions = (a: Position, b: Position): number =>
  a.commit !== b.commit ? (a.commit < b.commit ? -1 : 1) : a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;
