import { type InventoryEvent, type ItemQuantity, inventoryStream, orderStream, parseOrderEvent } from '@spillway/contracts';
import { ConcurrencyError, type EventStoreAccess } from '@spillway/runtime';
import { available, decide, InsufficientStockError, type InventoryCommand } from './decider';
import { type InventoryCache, isWrongExpectedVersion } from './inventory-cache';
import { progressFold } from './inventory-fold';
import type { KeyedLock } from './keyed-lock';
import { decideOutcome, type ReservationOutcome } from './order-progress';

export interface ReservationDeps {
  readonly skuLock: KeyedLock;
  readonly inventory: InventoryCache;
}

// Each pass reads the order and acts on its status; the second pass only cleans up after the first
// (releases after a rejection or a cancel that won the race), so a third is never needed.
const MAX_PASSES = 3;
// Within one replica the SKU lock removes conflicts; these cover other replicas writing the same SKU.
// No backoff: a conflict means another writer just succeeded, and the re-read only fetches its events.
// Past the limit the runtime retries the event with backoff, which spreads the contention out further.
const INVENTORY_CONFLICT_RETRIES = 10;

/** Decides on the cached inventory state and appends with its revision; on a conflict, catches up and decides again. */
async function decideOnInventory(
  es: EventStoreAccess,
  deps: ReservationDeps,
  command: InventoryCommand,
): Promise<readonly InventoryEvent[]> {
  return deps.skuLock.run(command.sku, async () => {
    for (let attempt = 0; attempt <= INVENTORY_CONFLICT_RETRIES; attempt++) {
      // The cached state first (no read); after a conflict, or a decision the cache could have got wrong, what it missed.
      const { state, revision, fresh } = await deps.inventory.current(es, command.sku, { refresh: attempt > 0 });
      // A decision that appends nothing (a rejection, a release of a hold not seen here) meets no expected
      // revision that would catch a cache behind the stream (a restock, another replica's hold), so it is
      // taken only on a state just read.
      let events: InventoryEvent[];
      try {
        events = decide(command, state);
      } catch (err) {
        if (fresh || !(err instanceof InsufficientStockError)) throw err;
        continue;
      }
      if (events.length === 0) {
        if (fresh) return events;
        continue;
      }
      try {
        await es.append(inventoryStream(command.sku), events, { expectedRevision: revision });
        deps.inventory.appended(command.sku, revision, events);
        return events;
      } catch (err) {
        if (!isWrongExpectedVersion(err)) throw err;
      }
    }
    throw new ConcurrencyError(`stream '${inventoryStream(command.sku)}' kept changing under other replicas`);
  });
}

async function reserveLine(es: EventStoreAccess, deps: ReservationDeps, orderId: string, line: ItemQuantity): Promise<void> {
  await decideOnInventory(es, deps, { type: 'ReserveStock', sku: line.sku, orderId, quantity: line.quantity });
}

async function availableOf(es: EventStoreAccess, deps: ReservationDeps, sku: string): Promise<number> {
  // Refreshed: the figure goes into the rejection the customer sees.
  return deps.skuLock.run(sku, async () => available((await deps.inventory.current(es, sku, { refresh: true })).state));
}

/** Holds every line, or none: at the first short SKU it stops and reports what each remaining SKU lacks. */
async function reserveAll(
  es: EventStoreAccess,
  deps: ReservationDeps,
  orderId: string,
  items: readonly ItemQuantity[],
): Promise<ReservationOutcome> {
  for (const [index, line] of items.entries()) {
    try {
      await reserveLine(es, deps, orderId, line);
    } catch (err) {
      if (!(err instanceof InsufficientStockError)) throw err;
      const reasons = [{ sku: err.sku, requested: err.requested, available: err.available }];
      for (const rest of items.slice(index + 1)) {
        const free = await availableOf(es, deps, rest.sku);
        if (free < rest.quantity) reasons.push({ sku: rest.sku, requested: rest.quantity, available: free });
      }
      return { type: 'StockReservationRejected', data: { orderId, reasons } };
    }
  }
  return { type: 'StockReserved', data: { orderId, items: [...items] } };
}

async function releaseAll(es: EventStoreAccess, deps: ReservationDeps, orderId: string, items: readonly ItemQuantity[]): Promise<void> {
  for (const line of items) await decideOnInventory(es, deps, { type: 'ReleaseStock', sku: line.sku, orderId });
}

/**
 * The fast path for an order's first event, OrderCreated at revision 0: the order is pending with
 * the event's own items, so it reserves without reading the order stream, and appends the outcome
 * expecting the stream still at that revision. When it is not (a cancel, or another replica that
 * already answered), it goes the full way of `reconcileOrder`, which reads the order and sorts it out.
 */
export async function reserveNewOrder(
  es: EventStoreAccess,
  deps: ReservationDeps,
  order: { readonly orderId: string; readonly items: readonly ItemQuantity[]; readonly revision: bigint },
): Promise<void> {
  // A later OrderCreated on the same stream (a client bypassing order-create) does not open the order: the full path ignores it.
  if (order.revision !== 0n) return reconcileOrder(es, deps, order.orderId);
  const items = order.items.map(({ sku, quantity }) => ({ sku, quantity })).sort((a, b) => a.sku.localeCompare(b.sku));
  const outcome = await reserveAll(es, deps, order.orderId, items);
  try {
    await es.append(orderStream(order.orderId), [outcome], { expectedRevision: order.revision });
  } catch (err) {
    if (!isWrongExpectedVersion(err)) throw err;
    return reconcileOrder(es, deps, order.orderId);
  }
  // Rejected: the lines held before the short one go back, as the full path's second pass would do.
  if (outcome.type === 'StockReservationRejected') await releaseAll(es, deps, order.orderId, items);
}

/**
 * Brings an order's stock holds in line with the order's status; the handler of both
 * OrderCreated and OrderCancelled. Pending: hold every line (all or nothing), then record the
 * outcome on the order stream. Rejected or cancelled: give back whatever this order holds.
 * Every step is idempotent, so a redelivery, a crash half-way or a cancel racing the
 * reservation on another replica all end in the same state.
 */
export async function reconcileOrder(es: EventStoreAccess, deps: ReservationDeps, orderId: string): Promise<void> {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const { state } = await es.load(orderStream(orderId), progressFold, parseOrderEvent);
    switch (state.status) {
      case 'none':
      case 'reserved':
        return;
      case 'rejected':
      case 'cancelled':
        await releaseAll(es, deps, orderId, state.items);
        return;
      case 'pending': {
        // SKUs in a fixed order, so two orders never take the same SKUs in opposite orders.
        const items = [...state.items].sort((a, b) => a.sku.localeCompare(b.sku));
        const outcome = await reserveAll(es, deps, orderId, items);
        // Appends only while still pending; a cancel that got in first makes the next pass release.
        await es.decideAndAppend(orderStream(orderId), progressFold, (current) => decideOutcome(outcome, current), parseOrderEvent);
        break;
      }
      default: {
        const unreachable: never = state;
        return unreachable;
      }
    }
  }
}
