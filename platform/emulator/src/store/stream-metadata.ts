/**
 * The parts of stream metadata (the last event of `$$<stream>`) that change what a stream
 * read returns. See https://developers.eventstore.com/server/v23.10/streams.html#stream-metadata
 * ("$maxAge", "$maxCount", "$tb") and #deleting-streams-and-events (soft delete sets $tb to
 * the largest int64).
 */

/** `EventNumber.DeletedStream` in EventStoreDB: the tombstone's revision and the soft-delete `$tb`. */
export const DELETED_STREAM = 9223372036854775807n;
/** JSON numbers are doubles: 2^63 - 1 parses as 2^63, so anything this large means "deleted". */
const DELETED_STREAM_AS_DOUBLE = Number(DELETED_STREAM);

export interface StreamLimits {
  readonly maxCount: number | undefined;
  /** Seconds. */
  readonly maxAge: number | undefined;
  /** First visible revision; `Infinity` for a soft-deleted stream. */
  readonly truncateBefore: number | undefined;
}

export const NO_LIMITS: StreamLimits = { maxCount: undefined, maxAge: undefined, truncateBefore: undefined };

/**
 * Metastreams keep only their last event: EventStoreDB reads `$$x` with an implicit
 * `$maxCount` of 1 (ESConsts.MetastreamMaxCount).
 */
export const METASTREAM_LIMITS: StreamLimits = { maxCount: 1, maxAge: undefined, truncateBefore: undefined };

const cache = new WeakMap<Uint8Array, StreamLimits>();

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Parses `$maxCount`, `$maxAge` and `$tb`; metadata that is not a JSON object limits nothing, as in EventStoreDB. */
export function parseLimits(data: Uint8Array): StreamLimits {
  const cached = cache.get(data);
  if (cached) return cached;
  let limits = NO_LIMITS;
  try {
    const json: unknown = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
      const o = json as Record<string, unknown>;
      const tb = o['$tb'];
      let truncateBefore: number | undefined;
      if (typeof tb === 'number' && Number.isInteger(tb) && tb >= 0) {
        truncateBefore = tb >= DELETED_STREAM_AS_DOUBLE ? Number.POSITIVE_INFINITY : tb;
      }
      limits = { maxCount: positiveInteger(o['$maxCount']), maxAge: positiveInteger(o['$maxAge']), truncateBefore };
    }
  } catch {
    limits = NO_LIMITS;
  }
  cache.set(data, limits);
  return limits;
}

/**
 * The metadata JSON with `$tb` replaced, keeping every other property, as EventStoreDB's
 * SoftUndeleteRawMeta does when a soft-deleted stream is written again.
 */
export function withTruncateBefore(data: Uint8Array | undefined, truncateBefore: bigint): Uint8Array {
  const text = data ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8') : '{}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return Buffer.from(`{"$tb":${truncateBefore}}`, 'utf8');
  }
  const rest = Object.entries(parsed as Record<string, unknown>)
    .filter(([key]) => key !== '$tb')
    .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  return Buffer.from(`{${[...rest, `"$tb":${truncateBefore}`].join(',')}}`, 'utf8');
}

export function softDeleteMetadata(): Uint8Array {
  return Buffer.from(`{"$tb":${DELETED_STREAM}}`, 'utf8');
}
