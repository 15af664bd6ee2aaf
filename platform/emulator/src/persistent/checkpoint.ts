/**
 * When a group writes a checkpoint, as EventStoreDB's PersistentSubscription.TryMarkCheckpoint
 * decides it. Messages carry sequence numbers in delivery order; the checkpoint goes to the
 * position just before the lowest unacknowledged message (outstanding or waiting for a
 * retry), or to the last delivered message when nothing is pending.
 */
export interface CheckpointState {
  /** The lowest unsettled message, if any: its sequence and the position delivered before it. */
  readonly lowestPending: { readonly sequence: number; readonly previousPosition: bigint | undefined } | undefined;
  readonly lastKnownSequence: number;
  readonly lastKnownPosition: bigint | undefined;
  readonly lastCheckpointedSequence: number;
  readonly lastCheckpointTime: number;
}

export interface CheckpointBounds {
  /** 0 means "never by time" (the real server maps it to TimeSpan.MaxValue). */
  readonly checkPointAfterMs: number;
  readonly minCheckPointCount: number;
  readonly maxCheckPointCount: number;
}

export interface CheckpointDecision {
  readonly sequence: number;
  readonly position: bigint;
}

/**
 * On a time check (the periodic tick) a checkpoint is written once checkPointAfter has passed
 * and at least minCheckPointCount messages were settled since the last one; on any ack it
 * is written as soon as maxCheckPointCount were.
 */
export function decideCheckpoint(
  state: CheckpointState,
  bounds: CheckpointBounds,
  now: number,
  isTimeCheck: boolean,
): CheckpointDecision | undefined {
  let sequence: number;
  let position: bigint | undefined;
  if (state.lowestPending !== undefined) {
    sequence = state.lowestPending.sequence - 1;
    position = state.lowestPending.previousPosition;
    // The first message ever delivered is still pending and there was no checkpoint before it.
    if (position === undefined) return undefined;
  } else {
    sequence = state.lastKnownSequence;
    position = state.lastKnownPosition;
  }
  if (sequence < 0 || position === undefined) return undefined;
  const difference = sequence - state.lastCheckpointedSequence;
  // Not in the real server: with maxCheckPointCount 0 it would rewrite the same checkpoint on every ack.
  if (difference <= 0) return undefined;
  const after = bounds.checkPointAfterMs === 0 ? Number.POSITIVE_INFINITY : bounds.checkPointAfterMs;
  if (now - state.lastCheckpointTime < after && difference < bounds.maxCheckPointCount) return undefined;
  if ((difference >= bounds.minCheckPointCount && isTimeCheck) || difference >= bounds.maxCheckPointCount) {
    return { sequence, position };
  }
  return undefined;
}
