import { type EventStoreDBClient, jsonEvent, StreamNotFoundError, WrongExpectedVersionError } from '@eventstore/db-client';
import type { Logger } from 'pino';
import { uuidV5 } from '../ids/uuid-v5';
import type { RuntimeMetrics } from '../observability/metrics';

/** The ordinary stream where quarantined events are recorded (`spillway parked --quarantine` lists it). */
export const QUARANTINE_STREAM = 'spillway-quarantine';
/** The type of a record in QUARANTINE_STREAM. */
export const QUARANTINE_EVENT_TYPE = 'EventQuarantined';

/** An event of a known type, in the stream being folded, that its schema rejects. */
export interface QuarantinedEvent {
  readonly streamId: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly reason: string;
}

// Remembered per process so a hot stream folded on every command records and logs its bad event once;
// bounded because a process lives long. Forgetting only means one more (idempotent) record.
const MAX_REMEMBERED = 10_000;
const MAX_REASON_LENGTH = 500;
// A conflict means another replica recorded something meanwhile; the re-read sees it. Records are rare,
// so a handful of attempts only runs out when the stream is written without pause.
const RECORD_CONFLICT_RETRIES = 5;

/**
 * The tolerant-reader rule, shared by a process's subscription and folds: an unknown event type is
 * skipped (counted, logged the first time the type is seen); an invalid event of a known type is
 * quarantined (recorded in QUARANTINE_STREAM, counted, logged) and skipped by the fold. The event
 * itself stays in its stream untouched: nothing is discarded.
 */
export class TolerantReader {
  private readonly unknownTypes = new Set<string>();
  private readonly quarantined = new Set<string>();

  constructor(
    private readonly fn: string,
    private readonly client: EventStoreDBClient,
    private readonly log: Logger,
    private readonly metrics: RuntimeMetrics,
  ) {}

  /** Counts an event of a type the function has no schema for; logs the first of each type. */
  unknownType(where: 'subscription' | 'fold', type: string, streamId: string): void {
    this.metrics.unknownTypes.inc({ where });
    if (this.unknownTypes.has(type)) return;
    if (this.unknownTypes.size >= MAX_REMEMBERED) this.unknownTypes.clear();
    this.unknownTypes.add(type);
    this.log.info({ type, stream: streamId, where }, 'skipping events of an unknown type (logged once per type)');
  }

  /**
   * Records an invalid event of a known type found while folding its stream, once per process. Never
   * throws: the command goes on without the event; if the record cannot be written, the next fold tries again.
   */
  async quarantine(event: QuarantinedEvent): Promise<void> {
    if (this.quarantined.has(event.id)) return;
    if (this.quarantined.size >= MAX_REMEMBERED) this.quarantined.clear();
    this.quarantined.add(event.id);
    this.metrics.quarantined.inc({ type: event.type });
    const reason = event.reason.length <= MAX_REASON_LENGTH ? event.reason : `${event.reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
    this.log.error(
      { stream: event.streamId, revision: event.revision.toString(), eventId: event.id, type: event.type, reason },
      'quarantined an invalid event: folds skip it until an operator corrects the stream',
    );
    try {
      await this.record(uuidV5(`${QUARANTINE_STREAM}/${event.id}`), {
        fn: this.fn,
        streamId: event.streamId,
        revision: event.revision.toString(),
        eventId: event.id,
        type: event.type,
        reason,
        quarantinedAt: new Date().toISOString(),
      });
    } catch (err) {
      this.quarantined.delete(event.id);
      this.log.warn({ err, eventId: event.id }, 'could not record a quarantined event; the next fold retries');
    }
  }

  /**
   * Appends one record per bad event, whichever function or replica meets it first, and however long
   * after: an `any` append of the same id is recognised by EventStoreDB only while the id is in its
   * committed-events cache (bounded, emptied by a restart), and a replica restarted later meets the
   * event again. So the stream is read for the record first, and the append expects the revision
   * read: a record another replica writes in between makes it conflict, and the re-read finds it.
   */
  private async record(id: string, data: Record<string, string>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const { recorded, revision } = await this.findRecord(id);
      if (recorded) return;
      try {
        await this.client.appendToStream(QUARANTINE_STREAM, jsonEvent({ id, type: QUARANTINE_EVENT_TYPE, data }), {
          expectedRevision: revision,
        });
        return;
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError) || attempt >= RECORD_CONFLICT_RETRIES) throw err;
      }
    }
  }

  private async findRecord(id: string): Promise<{ recorded: boolean; revision: bigint | 'no_stream' }> {
    let revision: bigint | 'no_stream' = 'no_stream';
    let recorded = false;
    try {
      // Read to the end rather than break: a read abandoned half-way is never released, and dispose() waits for it.
      for await (const { event } of this.client.readStream(QUARANTINE_STREAM)) {
        if (!event) continue;
        recorded ||= event.id === id;
        revision = event.revision;
      }
    } catch (err) {
      if (!(err instanceof StreamNotFoundError)) throw err;
    }
    return { recorded, revision };
  }
}
