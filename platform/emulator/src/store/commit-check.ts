/**
 * Whether an append (or delete) may go ahead, as EventStoreDB's IndexWriter.CheckCommit
 * decides it (src/EventStore.Core/Services/Storage/ReaderIndex/IndexWriter.cs): expected
 * revision, idempotent re-appends of the same event ids, soft-deleted and tombstoned streams.
 */
import type { ExpectedState, RecordedEvent } from './store';

export type CommitDecision =
  | { readonly kind: 'ok'; readonly softDeleted: boolean }
  | { readonly kind: 'wrong_expected_version' }
  | { readonly kind: 'deleted' }
  /** The same events were already written: answer with the original result. */
  | { readonly kind: 'idempotent'; readonly last: RecordedEvent };

/** What the check needs to know about the stream, including appends not yet durable. */
export interface CommitView {
  /** Revision of the last event ever written to the stream (soft delete keeps it), -1 if none. */
  readonly current: number;
  readonly tombstoned: boolean;
  readonly softDeleted: boolean;
  /** Whether `$$<stream>` has any event. */
  readonly hasMetadata: boolean;
  eventAt(revision: number): RecordedEvent | undefined;
  /** A recently written event with this id, in any stream (EventStoreDB's committed-events cache). */
  recentEvent(id: string): RecordedEvent | undefined;
}

const OK: CommitDecision = { kind: 'ok', softDeleted: false };
const OK_SOFT_DELETED: CommitDecision = { kind: 'ok', softDeleted: true };
const WRONG: CommitDecision = { kind: 'wrong_expected_version' };
const DELETED: CommitDecision = { kind: 'deleted' };

function ok(softDeleted: boolean): CommitDecision {
  return softDeleted ? OK_SOFT_DELETED : OK;
}

export function checkCommit(streamId: string, expected: ExpectedState, ids: readonly string[], view: CommitView): CommitDecision {
  if (view.tombstoned) return DELETED;
  const current = view.current;

  if (expected.kind === 'stream_exists') {
    if (view.softDeleted) return DELETED;
    // A stream with metadata but no events counts as existing.
    if (current < 0 && !view.hasMetadata) return WRONG;
  }

  if (expected.kind === 'any' || expected.kind === 'stream_exists') {
    let last: RecordedEvent | undefined;
    for (const id of ids) {
      const seen = view.recentEvent(id);
      if (!seen || seen.streamId !== streamId) {
        // Part of the events already written and part not: not idempotent, so a conflict.
        return last ? WRONG : ok(view.softDeleted);
      }
      last = seen;
    }
    return last ? { kind: 'idempotent', last } : ok(view.softDeleted);
  }

  // EventStoreDB's ExpectedVersion.NoStream is -1, so "no stream" is "expect revision -1".
  const expectedRevision = expected.kind === 'revision' ? Number(expected.revision) : -1;
  if (expectedRevision < current) {
    let revision = expectedRevision;
    for (const id of ids) {
      revision += 1;
      if (view.eventAt(revision)?.id === id) continue;
      if (revision !== expectedRevision + 1) return WRONG;
      // Writing to a soft-deleted stream as if it did not exist recreates it.
      if (expected.kind === 'no_stream' && view.softDeleted) return OK_SOFT_DELETED;
      return WRONG;
    }
    if (revision === expectedRevision) return WRONG;
    return { kind: 'idempotent', last: view.eventAt(revision)! };
  }
  if (expectedRevision > current) return WRONG;
  return ok(view.softDeleted);
}
