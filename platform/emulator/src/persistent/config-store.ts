import type { Store } from '../store/store';
import type { EventFilter } from './event-source';
import { formatPosition, parsePosition, parsePrepare, type SourceKind } from './position';
import { type GroupSettings, isConsumerStrategy } from './settings';
import { appendSystemEvent, CONFIG_STREAM, jsonEvent, lastEvent, writeStreamMetadata } from './system-streams';

/** The real server's event type for its subscription configuration, which it rewrites whole on every change. */
const CONFIG_EVENT_TYPE = '$PersistentConfig';
/** The real server keeps the last two configurations ($maxCount 2). */
const CONFIGS_KEPT = 2;

/** One group in `$persistentSubscriptionConfig`, with the real server's field names. */
interface ConfigEntry {
  stream: string;
  group: string;
  filter: EventFilter | null;
  resolveLinkTos: boolean;
  extraStatistics: boolean;
  messageTimeout: number;
  startFrom: number;
  startPosition: string;
  liveBufferSize: number;
  historyBufferSize: number;
  maxRetryCount: number;
  readBatchSize: number;
  checkPointAfter: number;
  minCheckPointCount: number;
  maxCheckPointCount: number;
  maxSubscriberCount: number;
  namedConsumerStrategy: string;
}

export interface GroupDefinition {
  readonly source: string;
  readonly group: string;
  readonly filter: EventFilter | undefined;
  readonly settings: GroupSettings;
}

export function toEntry(definition: GroupDefinition): ConfigEntry {
  const { settings } = definition;
  const kind: SourceKind = definition.source === '$all' ? 'all' : 'stream';
  return {
    stream: definition.source,
    group: definition.group,
    filter: definition.filter ?? null,
    resolveLinkTos: settings.resolveLinkTos,
    extraStatistics: settings.extraStatistics,
    messageTimeout: settings.messageTimeoutMs,
    // The real server keeps a numeric startFrom for stream groups and long.MinValue for $all ones.
    startFrom: kind === 'stream' ? Number(settings.startFrom) : Number.MIN_SAFE_INTEGER,
    startPosition: formatPosition(kind, settings.startFrom, settings.startFromPrepare),
    liveBufferSize: settings.liveBufferSize,
    historyBufferSize: settings.historyBufferSize,
    maxRetryCount: settings.maxRetryCount,
    readBatchSize: settings.readBatchSize,
    checkPointAfter: settings.checkPointAfterMs,
    minCheckPointCount: settings.minCheckPointCount,
    maxCheckPointCount: settings.maxCheckPointCount,
    maxSubscriberCount: settings.maxSubscriberCount,
    namedConsumerStrategy: settings.consumerStrategy,
  };
}

function fromEntry(entry: ConfigEntry): GroupDefinition | undefined {
  const kind: SourceKind = entry.stream === '$all' ? 'all' : 'stream';
  const startFrom = parsePosition(kind, entry.startPosition ?? String(entry.startFrom));
  // Like the real server, an entry it cannot understand is skipped rather than failing every group.
  if (startFrom === undefined || !isConsumerStrategy(entry.namedConsumerStrategy)) return undefined;
  const prepare = kind === 'all' && entry.startPosition !== undefined ? parsePrepare(entry.startPosition) : undefined;
  return {
    source: entry.stream,
    group: entry.group,
    filter: entry.filter ?? undefined,
    settings: {
      startFrom,
      ...(prepare !== undefined && prepare !== startFrom ? { startFromPrepare: prepare } : {}),
      resolveLinkTos: entry.resolveLinkTos,
      extraStatistics: entry.extraStatistics,
      messageTimeoutMs: entry.messageTimeout,
      maxRetryCount: entry.maxRetryCount,
      checkPointAfterMs: entry.checkPointAfter,
      minCheckPointCount: entry.minCheckPointCount,
      maxCheckPointCount: entry.maxCheckPointCount,
      maxSubscriberCount: entry.maxSubscriberCount,
      liveBufferSize: entry.liveBufferSize,
      readBatchSize: entry.readBatchSize,
      historyBufferSize: entry.historyBufferSize,
      consumerStrategy: entry.namedConsumerStrategy,
    },
  };
}

/** Loads and saves the group definitions in `$persistentSubscriptionConfig`. */
export class ConfigStore {
  private metadataWritten = false;

  constructor(private readonly store: Store) {}

  load(): GroupDefinition[] {
    const event = lastEvent(this.store, CONFIG_STREAM);
    if (event === undefined) return [];
    try {
      const config = JSON.parse(Buffer.from(event.data).toString('utf8')) as { entries?: ConfigEntry[] };
      return (config.entries ?? []).map(fromEntry).filter((d): d is GroupDefinition => d !== undefined);
    } catch {
      return [];
    }
  }

  async save(definitions: readonly GroupDefinition[], updatedBy: string): Promise<void> {
    if (!this.metadataWritten) {
      await writeStreamMetadata(this.store, CONFIG_STREAM, { $maxCount: CONFIGS_KEPT });
      this.metadataWritten = true;
    }
    const config = { version: '2', updated: new Date().toISOString(), updatedBy, entries: definitions.map(toEntry) };
    await appendSystemEvent(this.store, CONFIG_STREAM, jsonEvent(CONFIG_EVENT_TYPE, config));
  }
}
