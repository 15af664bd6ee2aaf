import {
  BACKWARDS,
  END,
  type EventStoreDBClient,
  PersistentSubscriptionDoesNotExistError,
  type PersistentSubscriptionToStreamInfo,
  START,
  StreamNotFoundError,
} from '@eventstore/db-client';
import { groupMeasurement } from './group-measurement';
import type { LagMeasurement, LagSource } from './lag-source';

/** Where a group that does not exist yet will start; the function's subscription settings decide it. */
export type StartFrom = 'start' | 'end';

/**
 * Lag of a persistent subscription to one stream: the stream's head revision minus the group's
 * last checkpointed revision, from GetInfo plus one backwards read of the stream.
 */
export class StreamLagSource implements LagSource {
  readonly subscription: string;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly stream: string,
    private readonly group: string,
    private readonly startFrom: StartFrom = 'start',
  ) {
    this.subscription = `${stream}::${group}`;
  }

  async getLag(): Promise<LagMeasurement> {
    // GetInfo first, then the head: events appended in between can only raise the figure, never make it negative.
    const info = await this.info();
    const head = await this.headRevision();
    const events = head === undefined ? 0 : Number(head) + 1;
    if (info === undefined) {
      // The group does not exist yet: the function never started, or it is at zero and never created
      // its group. When it starts it reads every event from its start position, so all of those wait.
      const lag = this.startFrom === 'start' ? events : 0;
      return { lag, inFlight: 0, retryBuffer: 0, parked: 0, capped: false, groupExists: false, caughtUp: lag === 0 };
    }
    const { stats, settings } = info;
    const checkpoint = stats.lastCheckpointedEventRevision;
    let behind: number;
    if (checkpoint !== undefined) behind = head === undefined ? 0 : Math.max(0, Number(head - checkpoint));
    else if (settings.startFrom === START) behind = events;
    else if (typeof settings.startFrom === 'bigint') behind = head === undefined ? 0 : Math.max(0, Number(head - settings.startFrom) + 1);
    // Started at the end and no checkpoint yet: what the group has not read is past its last known event.
    else
      behind =
        head === undefined || stats.lastKnownEventRevision === undefined ? 0 : Math.max(0, Number(head - stats.lastKnownEventRevision));
    const lastKnown = stats.lastKnownEventRevision;
    return groupMeasurement(info, {
      afterCheckpoint: behind,
      ...(lastKnown !== undefined && head !== undefined ? { afterLastKnown: Math.max(0, Number(head - lastKnown)) } : {}),
      checkpointCaughtUp: checkpoint !== undefined && head !== undefined ? checkpoint >= head : head === undefined,
    });
  }

  async close(): Promise<void> {
    // The client is shared by every source; its owner closes it.
  }

  private async info(): Promise<PersistentSubscriptionToStreamInfo | undefined> {
    try {
      return await this.client.getPersistentSubscriptionToStreamInfo(this.stream, this.group);
    } catch (cause) {
      if (cause instanceof PersistentSubscriptionDoesNotExistError) return undefined;
      throw new Error(`reading GetInfo of ${this.subscription}`, { cause });
    }
  }

  private async headRevision(): Promise<bigint | undefined> {
    try {
      let head: bigint | undefined;
      // Read to the end rather than return from inside the loop: an abandoned read call keeps client.dispose() waiting.
      for await (const resolved of this.client.readStream(this.stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        head ??= resolved.event?.revision ?? resolved.link?.revision;
      }
      return head;
    } catch (cause) {
      if (cause instanceof StreamNotFoundError) return undefined;
      throw new Error(`reading the head of stream ${this.stream}`, { cause });
    }
  }
}
