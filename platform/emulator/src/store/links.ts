/**
 * Link events and their resolution, one rule for every reader (stream and `$all` reads,
 * catch-up and persistent subscriptions, user projections reading a stream of links).
 *
 * Follows the real server (EventStore/EventStore): a link is a `$>` event
 * (SystemEventTypes.LinkTo) whose data is `<revision>@<stream>`; the storage reader's
 * ResolveLinkToEvent reads the target with the index reader's ReadEvent and, when that is not
 * Success, returns ResolvedEvent.ForFailedResolvedLink: the link alone, no event. ReadEvent
 * fails for a tombstoned stream (StreamDeleted), a soft-deleted one (`$tb` at the deleted
 * marker: NoStream), and an event before `$tb`, past `$maxCount` or older than `$maxAge`
 * (NotFound); data that does not parse fails the same way.
 *
 * No ACL applies to the target: in the 20.x+ server (23.10 included) ResolveLinkToEvent
 * (src/EventStore.Core/Services/Storage/StorageReaderWorker.cs) no longer calls
 * CheckStreamAccess on it as the pre-20 reader did, the gRPC layer authorizes only the stream
 * a call reads, and persistent subscriptions read as SystemAccounts.System
 * (src/EventStore.Core/Services/PersistentSubscription/PersistentSubscriptionStreamReader.cs).
 * Whoever may read `$ce-order` reads every `order-*` event's body through its links.
 */
import type { RecordedEvent, Store } from './store';

export const LINK_TYPE = '$>';

const LINK_DATA = /^(\d+)@(.+)$/s;

/** The event a link points to, or undefined when the server would not resolve it. */
export function linkTarget(store: Store, link: RecordedEvent): RecordedEvent | undefined {
  const text = Buffer.from(link.data.buffer, link.data.byteOffset, link.data.byteLength).toString('utf8');
  const match = LINK_DATA.exec(text);
  if (!match) return undefined;
  const revision = BigInt(match[1]!);
  const stream = match[2]!;
  // A tombstone keeps the stream's events in the log (and in readStream's view): check it first.
  if (store.streamState(stream).tombstoned) return undefined;
  // readStream honours `$tb` (soft delete included), `$maxCount` and `$maxAge`.
  const [target] = store.readStream(stream, revision, 'forwards', 1n);
  return target?.revision === revision ? target : undefined;
}
