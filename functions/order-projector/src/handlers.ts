import type { HandlerContext, SkippedEvent, TypedEvent } from '@spillway/runtime';
import { type ProjectedEvent, project } from './decider';
import type { projectedEvents } from './projected-events';
import { applyEvent } from './read-model/apply-changes';
import { GroupCommit } from './read-model/group-commit';
import type { SqlDatabase } from './read-model/sql-database';

// One group commit per read-model version: a build and the live version each batch their own transactions.
const commits = new WeakMap<SqlDatabase, GroupCommit>();

function commitsFor(db: SqlDatabase): GroupCommit {
  let found = commits.get(db);
  if (!found) {
    found = new GroupCommit(db);
    commits.set(db, found);
  }
  return found;
}

/** Applies one event to the read model; a redelivery is a no-op, an event ahead of its stream's gap is retried. */
export async function projectEvent(event: TypedEvent<typeof projectedEvents>, ctx: HandlerContext<undefined>): Promise<void> {
  const projected = { type: event.type, data: event.data, streamId: event.streamId } as ProjectedEvent;
  const outcome = await commitsFor(ctx.readModel).apply({
    streamId: event.streamId,
    revision: event.revision,
    changes: project(projected),
  });
  if (outcome === 'duplicate') ctx.log.debug({ revision: event.revision.toString() }, 'already applied');
}

/**
 * An event the projector does not project (a type it has no schema for, or a payload its schema
 * rejects, which the runtime parks): its revision is claimed with no change, so the stream's next
 * event is not held back waiting for it.
 */
export async function skipEvent(event: SkippedEvent, ctx: HandlerContext<undefined>): Promise<void> {
  const outcome = await applyEvent(ctx.readModel, { streamId: event.streamId, revision: event.revision }, []);
  if (outcome === 'applied') ctx.log.info({ revision: event.revision.toString(), reason: event.reason }, 'stepped past a skipped event');
}
