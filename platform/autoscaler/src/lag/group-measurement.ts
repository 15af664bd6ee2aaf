import { UNBOUNDED } from '@eventstore/db-client';
import type { LagMeasurement } from './lag-source';

/** What GetInfo reports that both sources use (the stream and `$all` info types share it). */
export interface GroupInfo {
  readonly stats: {
    readonly totalInFlightMessages: number;
    readonly retryBufferCount: number;
    readonly readBufferCount: number;
    readonly parkedMessageCount: bigint;
    readonly totalItems: bigint;
  };
  readonly settings: { readonly maxSubscriberCount: number | typeof UNBOUNDED };
  readonly connections: readonly unknown[];
}

/** The group's backlog as a source counted it from the stream or `$all`. */
export interface Backlog {
  /** Matching events after the last checkpoint (or from the start position when there is none). */
  readonly afterCheckpoint: number;
  /** Matching events after the last event the group has read; undefined when the server did not say. */
  readonly afterLastKnown?: number;
  readonly checkpointCaughtUp: boolean;
  readonly capped?: boolean;
}

/**
 * Lag = events after the last *processed* one: those the group has not read yet, plus those read but
 * still waiting in its buffers, waiting for a retry, or in flight. The checkpoint is written lazily
 * (every checkPointAfter, at least minCheckPointCount acks), so head - checkpoint also counts events
 * already processed; it stays as an upper bound. In-flight plus retries is the floor: a checkpoint
 * may move past them when something is parked.
 */
export function groupMeasurement(info: GroupInfo, backlog: Backlog): LagMeasurement {
  const { stats } = info;
  const inFlight = stats.totalInFlightMessages;
  const retryBuffer = stats.retryBufferCount;
  // The live buffer is not in it: the server keeps recent live events there even after sending them.
  const waiting = stats.readBufferCount + retryBuffer + inFlight;
  const afterProcessed = backlog.afterLastKnown === undefined ? backlog.afterCheckpoint : backlog.afterLastKnown + waiting;
  const max = info.settings.maxSubscriberCount;
  return {
    lag: Math.max(inFlight + retryBuffer, Math.min(backlog.afterCheckpoint, afterProcessed)),
    inFlight,
    retryBuffer,
    parked: Number(stats.parkedMessageCount),
    capped: backlog.capped ?? false,
    groupExists: true,
    caughtUp: backlog.checkpointCaughtUp && inFlight === 0 && retryBuffer === 0,
    ...(max === UNBOUNDED || max <= 0 ? {} : { maxSubscriberCount: max }),
    consumers: info.connections.length,
    processedTotal: Number(stats.totalItems),
  };
}
