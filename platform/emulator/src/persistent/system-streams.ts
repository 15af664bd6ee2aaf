import { randomUUID } from 'node:crypto';
import type { ProposedEvent, RecordedEvent, Store } from '../store/store';

/** The streams the real server keeps persistent-subscription state in. */
export const CONFIG_STREAM = '$persistentSubscriptionConfig';
export const checkpointStream = (groupId: string): string => `$persistentsubscription-${groupId}-checkpoint`;
export const parkedStream = (groupId: string): string => `$persistentsubscription-${groupId}-parked`;
/** A group's checkpoint or parked stream, or the metadata stream of one. */
export const isSubscriptionBookkeeping = (stream: string): boolean =>
  /^(\$\$)?\$persistentsubscription-.*-(checkpoint|parked)$/s.test(stream);
export const metastreamOf = (stream: string): string => `$$${stream}`;

/**
 * Bytes of the longest name a group writes to: its checkpoint stream's metadata stream
 * (`$$$persistentsubscription-<source>::<group>-checkpoint`); the parked one is shorter.
 */
export const longestBookkeepingName = (source: string, group: string): number =>
  Buffer.byteLength(metastreamOf(checkpointStream(`${source}::${group}`)), 'utf8');

const encoder = new TextEncoder();

export function jsonEvent(type: string, body: unknown, metadata?: unknown): ProposedEvent {
  return {
    id: randomUUID(),
    type,
    contentType: 'application/json',
    data: encoder.encode(JSON.stringify(body)),
    metadata: metadata === undefined ? new Uint8Array() : encoder.encode(JSON.stringify(metadata)),
  };
}

/** Appends with expected revision `any`, as the real server writes its own state; throws when the store refuses. */
export async function appendSystemEvent(store: Store, stream: string, event: ProposedEvent): Promise<RecordedEvent['revision']> {
  const outcome = await store.append(stream, { kind: 'any' }, [event]);
  if (outcome.kind !== 'success') throw new Error(`writing ${stream}: ${outcome.kind}`);
  return outcome.nextRevision;
}

/**
 * The `$acl` the real server puts on a group's bookkeeping streams: admins read, write and delete;
 * `metaRead` is `$all` for the checkpoint stream (PersistentSubscriptionCheckpointWriter) and
 * `$admins` for the parked one (PersistentSubscriptionMessageParker). Stored as written; the
 * emulator does not enforce ACLs.
 */
export const bookkeepingAcl = (metaRead: '$admins' | '$all') => ({
  $r: '$admins',
  $w: '$admins',
  $d: '$admins',
  $mr: metaRead,
  $mw: '$admins',
});

/** Sets a stream's metadata (for example `$maxCount`, `$tb`). */
export function writeStreamMetadata(store: Store, stream: string, metadata: Record<string, unknown>): Promise<bigint> {
  return appendSystemEvent(store, metastreamOf(stream), jsonEvent('$metadata', metadata));
}

/** The last event of a stream that reads can see, if any. */
export function lastEvent(store: Store, stream: string): RecordedEvent | undefined {
  const state = store.streamState(stream);
  if (state.lastRevision === undefined) return undefined;
  return store.readStream(stream, state.lastRevision, 'backwards', 1n)[0];
}
