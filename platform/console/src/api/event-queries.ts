import { BACKWARDS, END, type EventStoreDBClient, FORWARDS, type Position, StreamNotFoundError } from '@eventstore/db-client';
import { type EventView, eventView, isUserEvent } from './event-view';

/**
 * How far back `$all` is read to find a correlation's events, or the newest user events among system
 * ones. Bounded so one request cannot read a whole production log; the answer says when it stopped short.
 */
export const ALL_SCAN_CAP = 20_000;

export class NoSuchStreamError extends Error {
  override readonly name = 'NoSuchStreamError';
}

export interface StreamPage {
  readonly stream: string;
  readonly events: EventView[];
  /** The revision to ask for next (`from=`); absent at the end of the stream. */
  readonly next?: string;
}

/** A page of one stream, oldest first, from revision `from`. */
export async function readStreamPage(client: EventStoreDBClient, stream: string, from: bigint, limit: number): Promise<StreamPage> {
  const events: EventView[] = [];
  try {
    // One more than asked: whether there is a next page, without a second read.
    for await (const resolved of client.readStream(stream, { fromRevision: from, maxCount: limit + 1, direction: FORWARDS })) {
      const view = eventView(resolved);
      if (view) events.push(view);
    }
  } catch (err) {
    if (err instanceof StreamNotFoundError) throw new NoSuchStreamError(`stream '${stream}' does not exist`);
    throw err;
  }
  const more = events.length > limit;
  const page = events.slice(0, limit);
  return { stream, events: page, ...(more ? { next: (BigInt(page.at(-1)!.revision) + 1n).toString() } : {}) };
}

export interface AllTail {
  readonly events: EventView[];
  readonly scanned: number;
}

// Read in whole chunks: leaving a read early (break in for-await) leaves the gRPC call open, and the
// client's dispose() then waits for it for ever.
const ALL_CHUNK = 500;

/** The newest `limit` user events of `$all`, newest first (system events are skipped, within the scan cap). */
export async function readAllNewest(client: EventStoreDBClient, limit: number): Promise<AllTail> {
  const events: EventView[] = [];
  const seen = new Set<string>();
  let scanned = 0;
  let from: Position | typeof END = END;
  while (events.length < limit && scanned < ALL_SCAN_CAP) {
    let read = 0;
    const before = scanned;
    let oldest: Position | undefined;
    for await (const resolved of client.readAll({ fromPosition: from, direction: BACKWARDS, maxCount: ALL_CHUNK })) {
      read++;
      const view = eventView(resolved);
      const key = view?.position ? `${view.position.commit}/${view.position.prepare}` : undefined;
      if (key !== undefined && seen.has(key)) continue;
      if (key !== undefined) seen.add(key);
      scanned++;
      oldest = resolved.event?.position ?? oldest;
      if (view && isUserEvent(view) && events.length < limit) events.push(view);
    }
    if (read < ALL_CHUNK || oldest === undefined || scanned === before) break;
    from = oldest;
  }
  return { events, scanned };
}

export interface Correlation {
  readonly correlationId: string;
  /** Oldest first: the order's story as it happened. */
  readonly events: EventView[];
  readonly streams: string[];
  readonly scanned: number;
  /** False when the scan cap stopped the search before the start of `$all`. */
  readonly complete: boolean;
}

/** Every user event whose `$correlationId` is `correlationId`, across streams, found by scanning `$all` backwards. */
export async function findCorrelation(client: EventStoreDBClient, correlationId: string): Promise<Correlation> {
  const found: EventView[] = [];
  let scanned = 0;
  for await (const resolved of client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: ALL_SCAN_CAP })) {
    scanned++;
    const view = eventView(resolved);
    if (view && isUserEvent(view) && view.correlationId === correlationId) found.push(view);
  }
  const events = found.reverse();
  return { correlationId, events, streams: [...new Set(events.map((e) => e.stream))], scanned, complete: scanned < ALL_SCAN_CAP };
}
