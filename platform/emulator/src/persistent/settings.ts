/**
 * A subscription group's settings: validation of what Create/Update send, and the
 * defaults the client uses. Names follow the client's settings object; comments give
 * the real server's reading of each value.
 */

export const CONSUMER_STRATEGIES = ['DispatchToSingle', 'RoundRobin', 'Pinned', 'PinnedByCorrelation'] as const;
export type ConsumerStrategyName = (typeof CONSUMER_STRATEGIES)[number];

export interface GroupSettings {
  /** Inclusive start: a revision or `$all` position, or -1 for "from the end" (live only). */
  readonly startFrom: bigint;
  /**
   * `$all` groups only: the prepare half of the start position when it differs from the commit
   * (the emulator's own positions have both equal, but a client may send any valid pair).
   */
  readonly startFromPrepare?: bigint;
  readonly resolveLinkTos: boolean;
  readonly extraStatistics: boolean;
  /** 0 means messages never time out (the clients' DontTimeoutMessages sends 0). */
  readonly messageTimeoutMs: number;
  readonly maxRetryCount: number;
  /** 0 means "never by time": checkpoints are then written only at the upper count bound. */
  readonly checkPointAfterMs: number;
  readonly minCheckPointCount: number;
  readonly maxCheckPointCount: number;
  /** 0 means unbounded. */
  readonly maxSubscriberCount: number;
  readonly liveBufferSize: number;
  readonly readBatchSize: number;
  readonly historyBufferSize: number;
  readonly consumerStrategy: ConsumerStrategyName;
}

/** The numbers as they arrive on the wire, before validation. */
export interface RawSettings extends Omit<GroupSettings, 'consumerStrategy'> {
  readonly consumerStrategy: string;
}

/** The client's defaults (persistentSubscriptionToStreamSettingsFromDefaults). */
export const DEFAULT_SETTINGS: GroupSettings = {
  startFrom: -1n,
  resolveLinkTos: false,
  extraStatistics: false,
  messageTimeoutMs: 30_000,
  maxRetryCount: 10,
  checkPointAfterMs: 2_000,
  minCheckPointCount: 10,
  maxCheckPointCount: 1_000,
  maxSubscriberCount: 0,
  liveBufferSize: 500,
  readBatchSize: 20,
  historyBufferSize: 500,
  consumerStrategy: 'RoundRobin',
};

/** A setting the request got wrong: INVALID_ARGUMENT, naming the field. */
export class InvalidSettingError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid persistent subscription setting '${field}': ${problem}`);
  }
}

/** A setting combination the real server accepts on the wire but fails the create with (persistent-subscription-failed). */
export class SubscriptionCreateFailedError extends Error {}

const NON_NEGATIVE: readonly (keyof RawSettings)[] = [
  'messageTimeoutMs',
  'maxRetryCount',
  'checkPointAfterMs',
  'minCheckPointCount',
  'maxCheckPointCount',
  'maxSubscriberCount',
  'liveBufferSize',
  'readBatchSize',
  'historyBufferSize',
];

export function isConsumerStrategy(name: string): name is ConsumerStrategyName {
  return (CONSUMER_STRATEGIES as readonly string[]).includes(name);
}

/** Checks raw settings; throws {@link InvalidSettingError} or {@link SubscriptionCreateFailedError}. */
export function validateSettings(raw: RawSettings): GroupSettings {
  for (const field of NON_NEGATIVE) {
    const value = raw[field] as number;
    if (!Number.isInteger(value) || value < 0) throw new InvalidSettingError(field, `must be a non-negative integer, got ${value}.`);
  }
  // A read of nothing never reaches the end of the source: the group would re-read forever.
  if (raw.readBatchSize === 0) throw new InvalidSettingError('readBatchSize', 'must be at least 1.');
  if (raw.startFrom < -1n) throw new InvalidSettingError('startFrom', 'event number must be greater than or equal to -1.');
  if (!isConsumerStrategy(raw.consumerStrategy)) {
    throw new InvalidSettingError('consumerStrategyName', `Consumer strategy ${raw.consumerStrategy} does not exist.`);
  }
  // The real server's PersistentSubscription constructor throws ArgumentOutOfRangeException(paramName) here,
  // and the create is answered with that exception's message as the failure reason.
  if (raw.readBatchSize >= raw.historyBufferSize) {
    throw new SubscriptionCreateFailedError(
      "Specified argument was out of the range of valid values. (Parameter 'ReadBatchSize may not be greater than or equal to BufferSize')",
    );
  }
  return { ...raw, consumerStrategy: raw.consumerStrategy };
}
