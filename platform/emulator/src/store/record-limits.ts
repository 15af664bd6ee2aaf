/**
 * The sizes one log entry can hold (log-format.ts: u16 lengths for the stream name, event
 * type and content type, u32 for data and metadata). Requests are checked against them where
 * they are accepted, derived names included (`$$<stream>` for a soft delete, a subscription
 * group's checkpoint and parked streams); the store checks every entry again before it
 * changes anything, so a request that slipped through fails alone and the store stays writable.
 */

export const MAX_NAME_BYTES = 0xffff;
export const MAX_PAYLOAD_BYTES = 0xffffffff;

/** A request the log cannot hold: answered INVALID_ARGUMENT, nothing written. */
export class RecordTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordTooLargeError';
  }
}

export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Throws RecordTooLargeError unless `name` fits an entry's name field. */
export function checkNameFits(what: string, name: string, bytes = utf8Bytes(name)): void {
  if (bytes > MAX_NAME_BYTES) {
    throw new RecordTooLargeError(`${what} is ${bytes} bytes; the log holds at most ${MAX_NAME_BYTES} (starts '${name.slice(0, 40)}...')`);
  }
}

/** Soft-deleting writes to `$$<stream>`: the longest stream that can be soft-deleted is 2 bytes short of the limit. */
export function checkSoftDeletable(streamId: string): void {
  const bytes = utf8Bytes(streamId) + 2;
  if (bytes > MAX_NAME_BYTES) {
    throw new RecordTooLargeError(
      `The stream name is too long to soft-delete: its metadata stream '$$' + name would be ${bytes} bytes, over the log's ${MAX_NAME_BYTES}.`,
    );
  }
}
