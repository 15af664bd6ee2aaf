import { INVENTORY_STREAM_PREFIX, ORDER_STREAM_PREFIX } from '@spillway/contracts';
import { defineFunction } from '@spillway/runtime';
import { getInventoryRoute, getOrderRoute, listOrdersRoute } from './api';
import { projectEvent, skipEvent } from './handlers';
import { projectedEvents } from './projected-events';
import { migrations } from './read-model/migrations';

// An event ahead of a gap is retried (runtime backoff) until the missing one lands; this bounds redeliveries
// after a replica died or drained holding it. Parking it would stall its stream for good, so it is generous.
const MAX_RETRY_COUNT = 100;
// Events in progress at once. The projector's cost is mostly per transaction, and a group commit can only
// batch what is in progress, so under load a larger window means larger batches and fewer transactions per
// order: bench:shop at 200 orders/s (PGlite) gave e2e p99 187 ms and 2.7 ms of projector CPU per order with
// 100, against 5.7-7.1 s (the read model falling behind) and 3.2-3.4 ms with the runtime's default of 10.
// An idle projector still commits each event at once.
const CONCURRENCY = 100;

/**
 * The shop's read model: orders and inventory levels in PostgreSQL (or PGlite), and the queries over them.
 * Bump `readModel.version` when the projection's output changes: the runtime rebuilds it beside the live one.
 */
export default defineFunction({
  name: 'order-projector',
  subscription: {
    source: { all: { streamNamePrefixes: [ORDER_STREAM_PREFIX, INVENTORY_STREAM_PREFIX] } },
    group: 'order-projector',
    events: projectedEvents,
    // Pinned: one stream's events go to one replica, in order, so the revision guard rarely has to wait.
    settings: { consumerStrategy: 'Pinned', maxRetryCount: MAX_RETRY_COUNT },
    concurrency: CONCURRENCY,
    handle: projectEvent,
    skip: skipEvent,
  },
  readModel: { version: 1, migrations },
  routes: [getOrderRoute, listOrdersRoute, getInventoryRoute],
});
