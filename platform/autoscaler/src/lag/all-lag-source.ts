import {
  type EventStoreDBClient,
  FORWARDS,
  PersistentSubscriptionDoesNotExistError,
  type PersistentSubscriptionToAllInfo,
  type Position,
  START,
} from '@eventstore/db-client';
import type { AllFilter } from '../annotations/subscription-ref';
import { groupMeasurement } from './group-measurement';
import type { LagMeasurement, LagSource } from './lag-source';
import type { StartFrom } from './stream-lag-source';

/**
 * Most `$all` events one reading scans. Positions in `$all` are byte offsets, so the backlog has to
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

const samePosition = (a: Position, b: Position) => a.commit === b.commit && a.prepare === b.prepare;

/**
 * Lag of a persistent subscription to `$all`: the events matching the group's filter after its
 * checkpoint position, counted with a bounded forwards read of `$all`.
 */
export class AllLagSource implements LagSource {
  readonly subscription: string;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly group: string,
    private readonly filter: AllFilter | undefined,
    private readonly startFrom: StartFrom = 'start',
    private readonly scanCap: number = DEFAULT_SCAN_CAP,
  ) {
    this.subscription = `$all::${group}`;
  }

  async getLag(): Promise<LagMeasurement> {
    const info = await this.info();
    if (info === undefined) {
      // The group does not exist yet: the function never started, or it is at zero and never created
      // its group. When it starts it reads every matching event from its start position, so all of those wait.
      if (this.startFrom === 'end')
        return { lag: 0, inFlight: 0, retryBuffer: 0, parked: 0, capped: false, groupExists: false, caughtUp: true };
      const { matched, capped } = await this.count(START, undefined);
      return { lag: matched, inFlight: 0, retryBuffer: 0, parked: 0, capped, groupExists: false, caughtUp: matched === 0 };
    }
    const { stats, settings } = info;
    const checkpoint = stats.lastCheckpointedEventPosition;
    let from: Position | typeof START | undefined;
    if (checkpoint !== undefined) from = checkpoint;
    else if (settings.startFrom === START) from = START;
    else if (settings.startFrom !== 'end') from = settings.startFrom;
    // Started at the end and no checkpoint yet: what the group has not read lies past its last known event.
    else from = stats.lastKnownEventPosition;
    if (from === undefined) return groupMeasurement(info, { afterCheckpoint: 0, checkpointCaughtUp: true });
    // A checkpoint or a last known event has been processed already; an explicit start position has not.
    const skip = checkpoint ?? (from !== START && from === stats.lastKnownEventPosition ? from : undefined);
    const lastKnown = stats.lastKnownEventPosition;
    const { matched, afterLastKnown, capped } = await this.count(from, skip, lastKnown);
    return groupMeasurement(info, {
      afterCheckpoint: matched,
      // A capped scan may stop before the last known event, so what lies after it is unknown.
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
   * Counts matching events from `from` (inclusive, except the already-processed `skip`), scanning at
   * most scanCap, and how many of them lie after `lastKnown`.
   */
  private async count(
    from: Position | typeof START,
    skip: Position | undefined,
    lastKnown?: Position,
  ): Promise<{ matched: number; afterLastKnown: number; capped: boolean }> {
    let matched = 0;
    let afterLastKnown = 0;
    let scanned = 0;
    let capped = false;
    try {
      // One more than the cap (plus the skipped checkpoint event), so reaching it tells a full scan from a capped one.
      for await (const resolved of this.client.readAll({ fromPosition: from, direction: FORWARDS, maxCount: this.scanCap + 2 })) {
        const event = resolved.event;
        if (!event) continue;
        if (skip && event.position && samePosition(event.position, skip)) continue;
        // Keep reading to the end of the bounded call rather than leave it: an abandoned read keeps client.dispose() waiting.
        if (scanned === this.scanCap) {
          capped = true;
          continue;
        }
        scanned++;
        if (!matchesFilter(event.streamId, event.type, this.filter)) continue;
        matched++;
        if (lastKnown !== undefined && event.position && event.position.commit > lastKnown.commit) afterLastKnown++;
      }
    } catch (cause) {
      throw new Error(`counting $all events after the checkpoint of ${this.subscription}`, { cause });
    }
    return { matched, afterLastKnown, capped };
  }
}
