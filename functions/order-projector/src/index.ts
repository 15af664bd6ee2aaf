import { INVENTORY_STREAM_PREFIX, ORDER_STREAM_PREFIX } from '@spillway/contracts';
import { defineFunction } from '@spillway/runtime';
import { getInventoryRoute, getOrderRoute, listOrdersRoute } from './api';
import { loadProjectorConfig } from './config';
import { type ProjectorDeps, projectEvent, skipEvent } from './handlers';
import { projectedEvents } from './projected-events';
import { GroupCommit } from './read-model/group-commit';
import { migrate } from './read-model/migrations';
import { openDatabase } from './read-model/open-database';

// An event ahead of a gap is retried (runtime backoff) until the missing one lands; this bounds redeliveries
// after a replica died or drained holding it. Parking it would stall its stream for good, so it is generous.
const MAX_RETRY_COUNT = 100;

/** The shop's read model: orders and inventory levels in PostgreSQL (or PGlite), and the queries over them. */
export default defineFunction({
  name: 'order-projector',
  subscription: {
    source: { all: { streamNamePrefixes: [ORDER_STREAM_PREFIX, INVENTORY_STREAM_PREFIX] } },
    group: 'order-projector',
    events: projectedEvents,
    // Pinned: one stream's events go to one replica, in order, so the revision guard rarely has to wait.
    settings: { consumerStrategy: 'Pinned', maxRetryCount: MAX_RETRY_COUNT },
    handle: projectEvent,
    skip: skipEvent,
  },
  routes: [getOrderRoute, listOrdersRoute, getInventoryRoute],
  async init(ctx): Promise<ProjectorDeps> {
    const config = loadProjectorConfig(ctx.env);
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.pgliteDataDir });
    try {
      const applied = await migrate(db);
      ctx.log.info({ database: db.kind, migrations: applied }, 'read model ready');
    } catch (err) {
      await db.close();
      throw err;
    }
    return { db, commits: new GroupCommit(db) };
  },
  shutdown: ({ db }) => db.close(),
});
