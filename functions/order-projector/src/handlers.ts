import type { HandlerContext, TypedEvent } from '@spillway/runtime';
import { type ProjectedEvent, project } from './decider';
import type { projectedEvents } from './projected-events';
import { applyEvent } from './read-model/apply-changes';
import type { SqlDatabase } from './read-model/sql-database';

export interface ProjectorDeps {
  readonly db: SqlDatabase;
}

/** Applies one event to the read model; a redelivery is a no-op, an event ahead of its stream's gap is retried. */
export async function projectEvent(event: TypedEvent<typeof projectedEvents>, ctx: HandlerContext<ProjectorDeps>): Promise<void> {
  const projected = { type: event.type, data: event.data, streamId: event.streamId } as ProjectedEvent;
  const outcome = await applyEvent(ctx.deps.db, { streamId: event.streamId, revision: event.revision }, project(projected));
  if (outcome === 'duplicate') ctx.log.debug({ revision: event.revision.toString() }, 'already applied');
}
