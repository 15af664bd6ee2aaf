import { compileLinearRegex } from '../filters/linear-regex';
import { LINK_TYPE, linkTarget } from '../store/links';
import type { RecordedEvent, Store } from '../store/store';
import type { ResolvedEvent } from './messages';
import type { SourceKind } from './position';
import { isSubscriptionBookkeeping } from './system-streams';

/** A `$all` group's server-side filter, stored as the real server stores it in its configuration. */
export interface EventFilter {
  readonly context: 'StreamId' | 'EventType';
  readonly type: 'Prefix' | 'Regex';
  readonly data: readonly string[];
}

export interface SourceRead {
  readonly events: readonly ResolvedEvent[];
  /** Where the next read starts (inclusive). */
  readonly next: bigint;
  readonly endOfSource: boolean;
  /** Filtered-out events after the last returned one: a `$all` group may checkpoint past them. */
  readonly skippedAfterLast: number;
  /** The last of those skipped events. */
  readonly lastScanned: bigint | undefined;
}

/** Raw `$all` records examined per read when a filter rejects most of them (the real server's search window). */
const ALL_SCAN_WINDOW = 500;

/** A group's source: one stream, or `$all` with an optional filter; reads batches and resolves links. */
export class EventSource {
  readonly kind: SourceKind;
  private readonly matches: (record: RecordedEvent) => boolean;

  constructor(
    private readonly store: Store,
    /** The stream name, or `$all`. */
    readonly name: string,
    readonly filter: EventFilter | undefined,
    readonly resolveLinkTos: boolean,
  ) {
    this.kind = name === '$all' ? 'all' : 'stream';
    const userFilter = compileFilter(filter);
    this.matches = this.kind === 'all' ? (record) => allowedInAll(record) && userFilter(record) : userFilter;
  }

  /** The records of one commit that belong to this source at all (before the filter), in order: all of them for `$all`, without a copy. */
  within(records: readonly RecordedEvent[]): readonly RecordedEvent[] {
    return this.kind === 'all' ? records : records.filter((record) => record.streamId === this.name);
  }

  passesFilter(record: RecordedEvent): boolean {
    return this.matches(record);
  }

  /**
   * Whether a filtered-out record lets the group checkpoint past it. Persistent subscriptions'
   * own checkpoints and parked links do not: each checkpoint written past one would be another
   * such record, and with checkPointUpperBound 1 groups would checkpoint forever.
   */
  countsAsSkipped(record: RecordedEvent): boolean {
    return !isSubscriptionBookkeeping(record.streamId);
  }

  positionOf(record: RecordedEvent): bigint {
    return this.kind === 'stream' ? record.revision : record.position;
  }

  resolve(record: RecordedEvent): ResolvedEvent {
    if (!this.resolveLinkTos || record.type !== LINK_TYPE) return { event: record, link: undefined, original: record };
    return { event: linkTarget(this.store, record), link: record, original: record };
  }

  read(from: bigint, count: number): SourceRead {
    if (this.kind === 'stream') {
      const records = this.store.readStream(this.name, from < 0n ? 0n : from, 'forwards', BigInt(count));
      const last = records[records.length - 1];
      return {
        events: records.map((r) => this.resolve(r)),
        next: last === undefined ? from : last.revision + 1n,
        endOfSource: records.length < count,
        skippedAfterLast: 0,
        lastScanned: last?.revision,
      };
    }
    const window = this.filter === undefined ? count : Math.max(count, ALL_SCAN_WINDOW);
    const records = this.store.readAll(from < 0n ? 0n : from, 'forwards', BigInt(window));
    const events: ResolvedEvent[] = [];
    let next = from;
    let skipped = 0;
    let lastScanned: bigint | undefined;
    let consumed = 0;
    for (const record of records) {
      if (events.length >= count) break;
      consumed++;
      next = record.position + 1n;
      if (this.matches(record)) {
        events.push(this.resolve(record));
        skipped = 0;
      } else if (this.countsAsSkipped(record)) {
        skipped++;
        lastScanned = record.position;
      }
    }
    return { events, next, endOfSource: consumed === records.length && records.length < window, skippedAfterLast: skipped, lastScanned };
  }
}

/**
 * EventStoreDB's DefaultAllFilter, under any `$all` group's own filter: `$all` groups never see
 * `$all` groups' checkpoints and parked messages (which would otherwise feed back into them).
 */
function allowedInAll(record: RecordedEvent): boolean {
  const stream = record.streamId;
  if (!stream.startsWith('$')) return true;
  if (stream === '$epoch-information') return false;
  if (stream.startsWith('$persistentsubscription-$all::') && (stream.endsWith('-checkpoint') || stream.endsWith('-parked'))) return false;
  return true;
}

function compileFilter(filter: EventFilter | undefined): (record: RecordedEvent) => boolean {
  if (filter === undefined) return () => true;
  const field = (record: RecordedEvent): string => (filter.context === 'StreamId' ? record.streamId : record.type);
  if (filter.type === 'Regex') {
    // Checked when the group was created; a stored group from before that check is not started (SubscriptionService.loadGroups).
    const matches = compileLinearRegex(filter.data[0] ?? '');
    return (record) => matches(field(record));
  }
  return (record) => filter.data.some((prefix) => field(record).startsWith(prefix));
}
