import { BODY_HEADER_SIZE, ENTRY_FIXED_SIZE, entrySize, RECORD_PREFIX_SIZE } from './log-format';
import type { ProposedEvent, RecordedEvent } from './store';

/** One append being laid out: events get consecutive positions inside a single log record. */
export class Batch {
  readonly events: RecordedEvent[] = [];
  private cursor: number;
  private sizedStream: string | undefined;
  private streamBytes = 0;

  constructor(start: number) {
    this.cursor = start + RECORD_PREFIX_SIZE + BODY_HEADER_SIZE;
  }

  get end(): number {
    return this.cursor;
  }

  /** Adds a proposed event (the append hot path: no intermediate objects, stream name measured once). */
  addEvent(streamId: string, revision: bigint, e: ProposedEvent, created: bigint): void {
    if (streamId !== this.sizedStream) {
      this.sizedStream = streamId;
      this.streamBytes = Buffer.byteLength(streamId, 'utf8');
    }
    this.events.push({
      streamId,
      revision,
      position: BigInt(this.cursor),
      id: e.id,
      type: e.type,
      contentType: e.contentType,
      data: e.data,
      metadata: e.metadata,
      created,
    });
    this.cursor +=
      ENTRY_FIXED_SIZE +
      this.streamBytes +
      Buffer.byteLength(e.type, 'utf8') +
      Buffer.byteLength(e.contentType, 'utf8') +
      e.data.byteLength +
      e.metadata.byteLength;
  }

  add(fields: Omit<RecordedEvent, 'position'>): RecordedEvent {
    const event: RecordedEvent = {
      streamId: fields.streamId,
      revision: fields.revision,
      position: BigInt(this.cursor),
      id: fields.id,
      type: fields.type,
      contentType: fields.contentType,
      data: fields.data,
      metadata: fields.metadata,
      created: fields.created,
    };
    this.cursor += entrySize(event);
    this.events.push(event);
    return event;
  }

  lastOf(streamId: string): RecordedEvent | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i]!.streamId === streamId) return this.events[i];
    return undefined;
  }
}
