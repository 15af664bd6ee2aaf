import { BODY_HEADER_SIZE, ENTRY_FIXED_SIZE, entrySize, RECORD_PREFIX_SIZE } from './log-format';
import { checkNameFits, MAX_PAYLOAD_BYTES, RecordTooLargeError } from './record-limits';
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

  /**
   * Adds a proposed event (the append hot path: no intermediate objects, stream name measured
   * once). Throws RecordTooLargeError for a field the log cannot hold; nothing is indexed yet.
   */
  addEvent(streamId: string, revision: bigint, e: ProposedEvent, created: bigint): void {
    if (streamId !== this.sizedStream) {
      checkNameFits('The stream name', streamId);
      this.sizedStream = streamId;
      this.streamBytes = Buffer.byteLength(streamId, 'utf8');
    }
    const typeBytes = Buffer.byteLength(e.type, 'utf8');
    const contentTypeBytes = Buffer.byteLength(e.contentType, 'utf8');
    checkNameFits('The event type', e.type, typeBytes);
    checkNameFits('The content type', e.contentType, contentTypeBytes);
    checkPayloads(e);
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
    this.cursor += ENTRY_FIXED_SIZE + this.streamBytes + typeBytes + contentTypeBytes + e.data.byteLength + e.metadata.byteLength;
  }

  /** Adds an event the store writes itself (metadata, tombstones), checked like addEvent. */
  add(fields: Omit<RecordedEvent, 'position'>): RecordedEvent {
    checkNameFits('The stream name', fields.streamId);
    checkNameFits('The event type', fields.type);
    checkNameFits('The content type', fields.contentType);
    checkPayloads(fields);
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

function checkPayloads(e: { readonly data: Uint8Array; readonly metadata: Uint8Array }): void {
  if (e.data.byteLength > MAX_PAYLOAD_BYTES || e.metadata.byteLength > MAX_PAYLOAD_BYTES) {
    throw new RecordTooLargeError(`An event's data or metadata is over the log's ${MAX_PAYLOAD_BYTES} bytes.`);
  }
}
