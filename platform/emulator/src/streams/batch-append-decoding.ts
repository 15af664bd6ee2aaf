/**
 * BatchAppendReq decoded straight from the wire into plain values: the append hot path
 * receives one message per 100-event append, and google-protobuf's generic reader (message
 * objects, jspb.Map for each event's metadata) costs more than the store itself. Field
 * numbers as in streams.proto (checked against the generated deserializers):
 * BatchAppendReq { correlation_id = 1, options = 2, proposed_messages = 3, is_final = 4 };
 * Options { stream_identifier = 1, stream_position = 2, no_stream = 3, any = 4,
 * stream_exists = 5, deadline = 6 (Timestamp { seconds = 1, nanos = 2 }) };
 * ProposedMessage { id = 1, metadata = 2 (map<string,string>), custom_metadata = 3, data = 4 };
 * UUID { structured = 1 { most = 1, least = 2 }, string = 2 }; StreamIdentifier.stream_name = 3.
 */
import { Interner } from '../store/interner';
import type { ExpectedCase } from './convert';

export interface DecodedUuid {
  /** The string form as sent, or the structured form as 32 hex digits. */
  readonly text: string;
  readonly structured: boolean;
}

export interface DecodedProposedMessage {
  readonly id: DecodedUuid | undefined;
  readonly type: string | undefined;
  readonly contentType: string | undefined;
  readonly customMetadata: Uint8Array;
  readonly data: Uint8Array;
}

export interface DecodedOptions {
  readonly streamName: Uint8Array | undefined;
  readonly expected: ExpectedCase;
  /** The expected revision as a decimal string, when `expected` is 'revision'. */
  readonly revision: string;
  /** Milliseconds since the epoch, if the client set a deadline. */
  readonly deadline: number | undefined;
}

export interface DecodedBatchAppend {
  readonly correlationId: DecodedUuid | undefined;
  readonly options: DecodedOptions | undefined;
  readonly messages: DecodedProposedMessage[];
  readonly isFinal: boolean;
}

const EMPTY: Uint8Array = new Uint8Array(0);
/** Event types and content types repeat: each stored event shares one string per value. */
const names = new Interner();
const utf8 = new TextDecoder('utf-8');
const TWO_POW_32 = 2 ** 32;

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a number; exact below 2^53, which covers every tag, length and flag. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const byte = this.buf[this.pos++]!;
      result += (byte & 127) * scale;
      if (byte < 128) return result;
      scale *= 128;
    }
    throw new Error('varint longer than 10 bytes');
  }

  /** A varint as an unsigned 64-bit bigint. */
  bigVarint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 127) << shift;
      if (byte < 128) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new Error('varint longer than 10 bytes');
  }

  delimited(): Reader {
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) throw new Error('length-delimited field overruns its message');
    this.pos += length;
    return new Reader(this.buf, start, start + length);
  }

  bytesCopy(): Uint8Array {
    const r = this.delimited();
    return r.end === r.pos ? EMPTY : this.buf.slice(r.pos, r.end);
  }

  string(): string {
    const r = this.delimited();
    return utf8.decode(this.buf.subarray(r.pos, r.end));
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.delimited();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) throw new Error('field overruns its message');
  }
}

/** Reads fields until the end, handing each (field, wire type) to `on`, which must consume it or return false. */
function fields(r: Reader, on: (field: number, wire: number) => boolean): void {
  while (!r.done) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (!on(field, wire)) r.skip(wire);
  }
}

function hex64(value: bigint): string {
  return value.toString(16).padStart(16, '0');
}

function uuid(r: Reader): DecodedUuid {
  let text = '';
  let structured = false;
  fields(r, (field, wire) => {
    if (field === 2 && wire === 2) {
      text = r.string();
      return true;
    }
    if (field === 1 && wire === 2) {
      let most = 0n;
      let least = 0n;
      const s = r.delimited();
      fields(s, (f, w) => {
        if (w !== 0) return false;
        if (f === 1) most = s.bigVarint();
        else if (f === 2) least = s.bigVarint();
        else return false;
        return true;
      });
      text = hex64(most) + hex64(least);
      structured = true;
      return true;
    }
    return false;
  });
  return { text, structured };
}

function streamName(r: Reader): Uint8Array {
  let name = EMPTY;
  fields(r, (field, wire) => {
    if (field !== 3 || wire !== 2) return false;
    name = r.bytesCopy();
    return true;
  });
  return name;
}

function timestamp(r: Reader): number {
  let seconds = 0;
  let nanos = 0;
  fields(r, (field, wire) => {
    if (wire !== 0) return false;
    // int64 seconds: a negative value is a 64-bit two's complement varint.
    if (field === 1) seconds = Number(BigInt.asIntN(64, r.bigVarint()));
    else if (field === 2) nanos = r.varint() % TWO_POW_32;
    else return false;
    return true;
  });
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

function options(r: Reader): DecodedOptions {
  let name: Uint8Array | undefined;
  let expected: ExpectedCase = 'unset';
  let revision = '0';
  let deadline: number | undefined;
  fields(r, (field, wire) => {
    if (field === 1 && wire === 2) name = streamName(r.delimited());
    else if (field === 2 && wire === 0) {
      expected = 'revision';
      revision = r.bigVarint().toString();
    } else if (field === 3 && wire === 2) {
      r.delimited();
      expected = 'no_stream';
    } else if (field === 4 && wire === 2) {
      r.delimited();
      expected = 'any';
    } else if (field === 5 && wire === 2) {
      r.delimited();
      expected = 'stream_exists';
    } else if (field === 6 && wire === 2) deadline = timestamp(r.delimited());
    else return false;
    return true;
  });
  return { streamName: name, expected, revision, deadline };
}

function proposedMessage(r: Reader): DecodedProposedMessage {
  let id: DecodedUuid | undefined;
  let type: string | undefined;
  let contentType: string | undefined;
  let customMetadata = EMPTY;
  let data = EMPTY;
  fields(r, (field, wire) => {
    if (wire !== 2) return false;
    if (field === 1) id = uuid(r.delimited());
    else if (field === 2) {
      const entry = r.delimited();
      let key = '';
      let value = '';
      fields(entry, (f, w) => {
        if (w !== 2) return false;
        if (f === 1) key = entry.string();
        else if (f === 2) value = entry.string();
        else return false;
        return true;
      });
      if (key === 'type') type = names.intern(value);
      else if (key === 'content-type') contentType = names.intern(value);
    } else if (field === 3) customMetadata = r.bytesCopy();
    else if (field === 4) data = r.bytesCopy();
    else return false;
    return true;
  });
  return { id, type, contentType, customMetadata, data };
}

/** Decodes one BatchAppendReq; throws on malformed input (grpc-js then fails the call). */
export function decodeBatchAppendReq(buffer: Uint8Array): DecodedBatchAppend {
  const r = new Reader(buffer, 0, buffer.length);
  let correlationId: DecodedUuid | undefined;
  let decodedOptions: DecodedOptions | undefined;
  const messages: DecodedProposedMessage[] = [];
  let isFinal = false;
  fields(r, (field, wire) => {
    if (field === 1 && wire === 2) correlationId = uuid(r.delimited());
    else if (field === 2 && wire === 2) decodedOptions = options(r.delimited());
    else if (field === 3 && wire === 2) messages.push(proposedMessage(r.delimited()));
    else if (field === 4 && wire === 0) isFinal = r.varint() !== 0;
    else return false;
    return true;
  });
  return { correlationId, options: decodedOptions, messages, isFinal };
}
