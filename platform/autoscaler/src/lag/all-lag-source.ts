import {
  type EventStoreDBClient,
  FORWARDS,
  PersistentSubscriptionDoesNotExistError,
  type PersistentSubscriptionToAllInfo,
  type Position,
  START,
} from '@eventstore/db-client';
import type { AllFilter } from '../annotations/subscription-ref';
import { comparePositions, type ScannedEvent, scanAll } from './filtered-all-scan';
import { groupMeasurement } from './group-measurement';
import type { LagMeasurement, LagSource } from './lag-source';
import type { StartFrom } from './stream-lag-source';

/**
 * Most `$all` events one reading scans: those the server's filter lets through, and those it reports
 * having scanned with its checkpoints. Positions in `$all` are byte offsets, so the backlog has to
 * be counted; 10 000 events keep a reading well under a second, and a backlog that large already
 * asks for max replicas at any sensible lag-per-replica. Beyond it the figure is reported as capped.
 */
export const DEFAULT_SCAN_CAP = 10_000;

/** Does this event reach the group? The runtime's `$all` filters are stream-name or event-type prefixes. */
export function matchesFilter(streamId: string, type: string, filter: AllFilter | undefined): boolean {
  // Without a declared filter count every user event: system streams ($stats, $scavenges, ...) are not work for a function.
  if (filter === undefined) return !streamId.startsWith('$');
  const streams = filter.streamNamePrefixes;
  const types = filter.eventTypePrefixes;
  if (streams && streams.length > 0 && !streams.some((p) => streamId.startsWith(p))) return false;
  if (types && types.length > 0 && !types.some((p) => type.startsWith(p))) return false;
  return true;
}

/** Where a count begins: the start of `$all`, or a position that is counted (`inclusive`) or was already processed. */
type Cut = typeof START | { readonly position: Position; readonly inclusive: boolean };

const inside = (position: Position, cut: Cut): boolean => {
  if (cut === START) return true;
  const order = comparePositions(position, cut.position);
  return order > 0 || (order === 0 && cut.inclusive);
};

/** Does every event after `later` lie after `earlier` too, so a count from `earlier` can be narrowed to `later`? */
const narrows = (earlier: Cut, later: Cut): boolean =>
  later === START
    ? earlier === START
    : earlier === START ||
      inside(later.position, earlier) ||
      (comparePositions(later.position, earlier.position) === 0 && !later.inclusive);

/**
 * Most matching positions one source remembers. Past it the figure is reported as capped, and
 * reading resumes as the checkpoint moves and the remembered backlog shrinks.
 */
const MAX_REMEMBERED = 10 * DEFAULT_SCAN_CAP;

/**
 * What earlier readings found: the positions of matching events from `cut` up to `end`, the last event read.
 * The backlog is a function of the log alone, so a later reading keeps it, drops what the checkpoint has
 * passed, and reads only what was appended since: a reading costs the new events, not the whole backlog.
 */
interface Remembered {
  cut: Cut;
  end: Position | undefined;
  matched: Position[];
}

interface Shared {
  remembered: Remembered | undefined;
  previous: Promise<unknown>;
}

/** Per client, per group and filter: what the sources of that group remember. */
const sharedReadings = new WeakMap<EventStoreDBClient, Map<string, Shared>>();

/**
 * Lag of a persistent subscription to `$all`: the events matching the group's filter after its
 * checkpoint position, counted with bounded, server-filtered scans of `$all` (filtered-all-scan.ts) that carry
 * on from the previous reading.
 */
export class AllLagSource implements LagSource {
  readonly subscription: string;
  /** Shared by every source this client opens on the same group and filter, so short-lived sources (a status page's) carry on too. */
  private readonly shared: Shared;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly group: string,
    private readonly filter: AllFilter | undefined,
    private readonly startFrom: StartFrom = 'start',
    private readonly scanCap: number = DEFAULT_SCAN_CAP,
  ) {
    this.subscription = `$all::${group}`;
    const perClient = sharedReadings.get(client) ?? new Map<string, Shared>();
    sharedReadings.set(client, perClient);
    const key = JSON.stringify([group, filter ?? null, scanCap]);
    const shared = perClient.get(key) ?? { remembered: undefined, previous: Promise.resolve() };
    perClient.set(key, shared);
    this.shared = shared;
  }

  /** Readings one at a time: each carries on from the last, and a timed-out one may still be running. */
  getLag(): Promise<LagMeasurement> {
    const reading = this.shared.previous.then(() => this.read());
    this.shared.previous = reading.catch(() => undefined);
    return reading;
  }

  private async read(): Promise<LagMeasurement> {
    const info = await this.info();
    if (info === undefined) {
      // The group does not exist yet: the function never started, or it is at zero and never created
      // its group. When it starts it reads every matching event from its start position, so all of those wait.
      if (this.startFrom === 'end')
        return { lag: 0, inFlight: 0, retryBuffer: 0, parked: 0, capped: false, groupExists: false, caughtUp: true };
      const { matched, capped } = await this.count(START);
      return { lag: matched, inFlight: 0, retryBuffer: 0, parked: 0, capped, groupExists: false, caughtUp: matched === 0 };
    }
    const { stats, settings } = info;
    const checkpoint = stats.lastCheckpointedEventPosition;
    const lastKnown = stats.lastKnownEventPosition;
    // A checkpoint or a last known event has been processed already; an explicit start position has not.
    let cut: Cut | undefined;
    if (checkpoint !== undefined) cut = { position: checkpoint, inclusive: false };
    else if (settings.startFrom === START) cut = START;
    else if (settings.startFrom !== 'end') cut = { position: settings.startFrom, inclusive: true };
    // Started at the end and no checkpoint yet: what the group has not read lies past its last known event.
    else if (lastKnown !== undefined) cut = { position: lastKnown, inclusive: false };
    if (cut === undefined) return groupMeasurement(info, { afterCheckpoint: 0, checkpointCaughtUp: true });
    const { matched, afterLastKnown, capped } = await this.count(cut, lastKnown);
    return groupMeasurement(info, {
      afterCheckpoint: matched,
      // A capped count may stop before the last known event, so what lies after it is unknown.
      ...(lastKnown !== undefined && !capped ? { afterLastKnown } : {}),
      checkpointCaughtUp: matched === 0 && !capped,
      capped,
    });
  }

  async close(): Promise<void> {
    // The client is shared by every source; its owner closes it.
  }

  private async info(): Promise<PersistentSubscriptionToAllInfo | undefined> {
    try {
      return await this.client.getPersistentSubscriptionToAllInfo(this.group);
    } catch (cause) {
      if (cause instanceof PersistentSubscriptionDoesNotExistError) return undefined;
      throw new Error(`reading GetInfo of ${this.subscription}`, { cause });
    }
  }

  /**
   * Counts matching events after `cut`, reading at most scanCap events past what earlier readings saw,
   * and how many of them lie after `lastKnown`.
   */
  private async count(cut: Cut, lastKnown?: Position): Promise<{ matched: number; afterLastKnown: number; capped: boolean }> {
    const memory = this.narrowed(cut);
    let scanned = 0;
    let capped = false;
    try {
      const visit = (event: ScannedEvent): boolean => {
        if (!inside(event.position, memory.cut) || (memory.end && comparePositions(event.position, memory.end) <= 0)) return true;
        const matches = matchesFilter(event.streamId, event.type, this.filter);
        if (scanned === this.scanCap || (matches && memory.matched.length === MAX_REMEMBERED)) return false;
        scanned++;
        memory.end = event.position;
        if (matches) memory.matched.push(event.position);
        return true;
      };
      // A subscription starts after its position: the event at an explicit start position is read on its own.
      if (memory.end === undefined && cut !== START && cut.inclusive) await this.visitAt(cut.position, visit);
      const scan = await scanAll(this.client, memory.end ?? (cut === START ? START : cut.position), this.filter, this.scanCap, visit);
      capped = scan.capped;
      if (scan.end && (!memory.end || comparePositions(scan.end, memory.end) > 0)) memory.end = scan.end;
    } catch (cause) {
      // What was read stays remembered only up to a complete reading: start afresh next time.
      this.shared.remembered = undefined;
      throw new Error(`counting $all events after the checkpoint of ${this.subscription}`, { cause });
    }
    const afterLastKnown =
      lastKnown === undefined ? 0 : memory.matched.length - this.firstAfter(memory.matched, { position: lastKnown, inclusive: false });
    return { matched: memory.matched.length, afterLastKnown, capped };
  }

  /** Hands `visit` the first `$all` event at or after `position`, or marks it seen when it is a system record. */
  private async visitAt(position: Position, visit: (event: ScannedEvent) => boolean): Promise<void> {
    // Read to the end of the one-event call rather than leave it: an abandoned read keeps client.dispose() waiting.
    for await (const resolved of this.client.readAll({ fromPosition: position, direction: FORWARDS, maxCount: 1 })) {
      const event = resolved.event;
      if (event?.position) visit({ position: event.position, streamId: event.streamId, type: event.type });
    }
  }

  /** The remembered reading narrowed to `cut`, or a fresh one when the cut moved back (a group reset or recreated). */
  private narrowed(cut: Cut): Remembered {
    const memory = this.shared.remembered;
    if (memory === undefined || !narrows(memory.cut, cut)) {
      this.shared.remembered = { cut, end: undefined, matched: [] };
      return this.shared.remembered;
    }
    memory.matched.splice(0, this.firstAfter(memory.matched, cut));
    memory.cut = cut;
    // Nothing read yet beyond the new cut: read from the cut itself.
    if (memory.end !== undefined && !inside(memory.end, cut)) memory.end = undefined;
    return memory;
  }

  /** Index of the first of the sorted positions inside `cut`. */
  private firstAfter(positions: readonly Position[], cut: Cut): number {
    let low = 0;
    let high = positions.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (inside(positions[mid]!, cut)) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}
