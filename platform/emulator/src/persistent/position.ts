/**
 * Where a subscription group stands in its source. A stream group counts event
 * numbers; a `$all` group counts log positions (commit and prepare are the same value in
 * this emulator). Both are plain bigints here; the source kind decides how they print.
 */
export type SourceKind = 'stream' | 'all';

/** The real server's "start from the end" marker: -1, or C:-1/P:-1 for `$all`. */
export const LIVE_POSITION = -1n;

/**
 * Formats a position the way GetInfo and the checkpoint stream carry it (`5`, `C:120/P:120`);
 * a `$all` start position may name its own prepare half (PersistentSubscriptionAllStreamPosition.ToString).
 */
export function formatPosition(kind: SourceKind, position: bigint, prepare: bigint = position): string {
  return kind === 'stream' ? position.toString() : `C:${position}/P:${prepare}`;
}

const ALL_POSITION = /^C:(-?\d+)\/P:(-?\d+)$/;

/** Parses what {@link formatPosition} wrote; undefined when the text is not a position. */
export function parsePosition(kind: SourceKind, text: string): bigint | undefined {
  if (kind === 'stream') return /^-?\d+$/.test(text) ? BigInt(text) : undefined;
  const match = ALL_POSITION.exec(text);
  return match === null ? undefined : BigInt(match[1]!);
}

/** The prepare half of a `$all` position written by {@link formatPosition}; undefined for anything else. */
export function parsePrepare(text: string): bigint | undefined {
  const match = ALL_POSITION.exec(text);
  return match === null ? undefined : BigInt(match[2]!);
}
