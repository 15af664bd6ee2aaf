import { BACKWARDS, END, type EventStoreDBClient, StreamNotFoundError } from '@eventstore/db-client';

/**
 * Where the runtime's tolerant reader records the invalid events folds skip (the runtime's
 * QUARANTINE_STREAM, which `spillway parked --quarantine` lists). Written here rather than imported:
 * the console runs inside the autoscaler's image, which holds no runtime. A test pins the two together.
 */
export const QUARANTINE_STREAM = 'spillway-quarantine';

/** One quarantined event: which event, in which stream, why, and which function's fold found it. */
export interface QuarantinedView {
  /** Its record's revision in the quarantine stream. */
  readonly revision: string;
  readonly stream: string;
  readonly streamRevision: string;
  readonly eventId: string;
  readonly type: string;
  readonly reason: string;
  readonly fn: string;
  readonly quarantinedAt: string;
}

export interface Quarantine {
  /** Records in the stream: it is append-only, one record per bad event. */
  readonly total: number;
  /** The newest records, newest first. */
  readonly quarantined: readonly QuarantinedView[];
}

const text = (value: unknown) => (typeof value === 'string' ? value : value === undefined ? '' : String(value));

/** The newest `limit` quarantine records, and how many there are. */
export async function listQuarantine(client: EventStoreDBClient, limit: number): Promise<Quarantine> {
  const quarantined: QuarantinedView[] = [];
  let total = 0;
  try {
    for await (const { event } of client.readStream(QUARANTINE_STREAM, { direction: BACKWARDS, fromRevision: END, maxCount: limit })) {
      if (!event) continue;
      if (quarantined.length === 0) total = Number(event.revision) + 1;
      const d = (event.isJson ? event.data : {}) as Record<string, unknown>;
      quarantined.push({
        revision: event.revision.toString(),
        stream: text(d['streamId']),
        streamRevision: text(d['revision']),
        eventId: text(d['eventId']),
        type: text(d['type']),
        reason: text(d['reason']),
        fn: text(d['fn']),
        quarantinedAt: text(d['quarantinedAt']) || new Date(event.created).toISOString(),
      });
    }
  } catch (err) {
    if (!(err instanceof StreamNotFoundError)) throw err;
  }
  return { total, quarantined };
}
