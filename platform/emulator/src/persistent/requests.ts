import { CreateReq, ReadReq, type UpdateReq } from '@eventstore/db-client/generated/persistent_pb';
import type { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { compileLinearRegex } from '../filters/linear-regex';
import type { EventFilter } from './event-source';
import { type GroupSettings, InvalidSettingError, type RawSettings, validateSettings } from './settings';
import type { NackAction } from './subscription-group';

/** The largest u64: StreamRevision.End, which the client sends for "from the end". */
const U64_MAX = 18446744073709551615n;
const I64_MAX = 9223372036854775807n;
const TICKS_PER_MS = 10_000n;

/** The real server's proto enum names, which become the strategy name when no string is given. */
const NAMED_STRATEGIES: Record<number, string> = {
  [CreateReq.ConsumerStrategy.DISPATCHTOSINGLE]: 'DispatchToSingle',
  [CreateReq.ConsumerStrategy.ROUNDROBIN]: 'RoundRobin',
  [CreateReq.ConsumerStrategy.PINNED]: 'Pinned',
};

export function streamName(identifier: StreamIdentifier | undefined): string {
  return identifier === undefined ? '' : Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

export function uuidToString(uuid: UUID): string {
  const structured = uuid.getStructured();
  if (structured === undefined) return uuid.getString().toLowerCase();
  const most = BigInt.asUintN(64, BigInt(structured.getMostSignificantBits()));
  const least = BigInt.asUintN(64, BigInt(structured.getLeastSignificantBits()));
  const hex = most.toString(16).padStart(16, '0') + least.toString(16).padStart(16, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A stream revision as the server reads it: u64 max is "the end" (-1). */
export function parseRevision(text: string, field: string): bigint {
  if (!/^\d+$/.test(text)) throw new InvalidSettingError(field, `'${text}' is not a stream revision.`);
  const value = BigInt(text);
  if (value === U64_MAX) return -1n;
  if (value > I64_MAX) throw new InvalidSettingError(field, `'${text}' is out of range.`);
  return value;
}

type AnySettings = CreateReq.Settings | UpdateReq.Settings;

function milliseconds(which: 'messageTimeout' | 'checkpointAfter', settings: AnySettings): number {
  if (which === 'messageTimeout') {
    switch (settings.getMessageTimeoutCase()) {
      case CreateReq.Settings.MessageTimeoutCase.MESSAGE_TIMEOUT_MS:
        return settings.getMessageTimeoutMs();
      case CreateReq.Settings.MessageTimeoutCase.MESSAGE_TIMEOUT_TICKS:
        return Number(BigInt(settings.getMessageTimeoutTicks()) / TICKS_PER_MS);
      default:
        return 0;
    }
  }
  switch (settings.getCheckpointAfterCase()) {
    case CreateReq.Settings.CheckpointAfterCase.CHECKPOINT_AFTER_MS:
      return settings.getCheckpointAfterMs();
    case CreateReq.Settings.CheckpointAfterCase.CHECKPOINT_AFTER_TICKS:
      return Number(BigInt(settings.getCheckpointAfterTicks()) / TICKS_PER_MS);
    default:
      return 0;
  }
}

/** Validated settings from a Create or Update request; the start is given separately (it lives in different fields). */
export function readSettings(settings: AnySettings | undefined, startFrom: bigint): GroupSettings {
  if (settings === undefined) throw new InvalidSettingError('settings', 'missing.');
  const strategyText = settings instanceof CreateReq.Settings ? settings.getConsumerStrategy() : '';
  const named = settings.getNamedConsumerStrategy();
  const raw: RawSettings = {
    startFrom,
    resolveLinkTos: settings.getResolveLinks(),
    extraStatistics: settings.getExtraStatistics(),
    messageTimeoutMs: milliseconds('messageTimeout', settings),
    maxRetryCount: settings.getMaxRetryCount(),
    checkPointAfterMs: milliseconds('checkpointAfter', settings),
    minCheckPointCount: settings.getMinCheckpointCount(),
    maxCheckPointCount: settings.getMaxCheckpointCount(),
    maxSubscriberCount: settings.getMaxSubscriberCount(),
    liveBufferSize: settings.getLiveBufferSize(),
    readBatchSize: settings.getReadBatchSize(),
    historyBufferSize: settings.getHistoryBufferSize(),
    consumerStrategy: strategyText !== '' ? strategyText : (NAMED_STRATEGIES[named] ?? String(named)),
  };
  return validateSettings(raw);
}

/** Where a Create or Update request points: a stream and its start revision, or `$all` and its start position. */
export interface Target {
  readonly source: string;
  readonly startFrom: bigint;
  /** The commit and prepare positions as sent, for the real server's start-position checks. */
  readonly allPosition?: { readonly commit: bigint; readonly prepare: bigint };
}

export function readTarget(options: CreateReq.Options | UpdateReq.Options): Target {
  const stream = options.getStream();
  if (stream !== undefined) {
    const name = streamName(stream.getStreamIdentifier());
    switch (stream.getRevisionOptionCase()) {
      case CreateReq.StreamOptions.RevisionOptionCase.REVISION:
        return { source: name, startFrom: parseRevision(stream.getRevision(), 'revision') };
      case CreateReq.StreamOptions.RevisionOptionCase.START:
        return { source: name, startFrom: 0n };
      case CreateReq.StreamOptions.RevisionOptionCase.END:
        return { source: name, startFrom: -1n };
      default:
        throw new InvalidSettingError('revision', 'no start revision given.');
    }
  }
  const all = options.getAll();
  if (all !== undefined) {
    switch (all.getAllOptionCase()) {
      case CreateReq.AllOptions.AllOptionCase.POSITION: {
        const position = all.getPosition()!;
        const commit = BigInt(position.getCommitPosition());
        const prepare = BigInt(position.getPreparePosition());
        return { source: '$all', startFrom: commit, allPosition: { commit, prepare } };
      }
      case CreateReq.AllOptions.AllOptionCase.START:
        return { source: '$all', startFrom: 0n };
      case CreateReq.AllOptions.AllOptionCase.END:
        return { source: '$all', startFrom: -1n };
      default:
        throw new InvalidSettingError('position', 'no start position given.');
    }
  }
  // Clients before 21.10 send the stream in the options and the start in the settings' revision.
  const settings = options.getSettings();
  return { source: streamName(options.getStreamIdentifier()), startFrom: parseRevision(settings?.getRevision() ?? '0', 'revision') };
}

export function readFilter(options: CreateReq.Options): EventFilter | undefined {
  const all = options.getAll();
  const filter = all?.getFilter();
  if (filter === undefined) return undefined;
  const onStream = filter.getFilterCase() === CreateReq.AllOptions.FilterOptions.FilterCase.STREAM_IDENTIFIER;
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  if (expression === undefined) throw new InvalidSettingError('filter', 'no filter expression given.');
  const regex = expression.getRegex();
  if (regex !== '') {
    try {
      compileLinearRegex(regex);
    } catch (error) {
      throw new InvalidSettingError('filter', (error as Error).message);
    }
    return { context: onStream ? 'StreamId' : 'EventType', type: 'Regex', data: [regex] };
  }
  return { context: onStream ? 'StreamId' : 'EventType', type: 'Prefix', data: expression.getPrefixList() };
}

export function nackAction(action: ReadReq.Nack.Action): NackAction {
  switch (action) {
    case ReadReq.Nack.Action.PARK:
      return 'park';
    case ReadReq.Nack.Action.RETRY:
      return 'retry';
    case ReadReq.Nack.Action.SKIP:
      return 'skip';
    case ReadReq.Nack.Action.STOP:
      return 'stop';
    default:
      return 'unknown';
  }
}
