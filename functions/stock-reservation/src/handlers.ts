import { type ItemQuantity, inventoryStream, orderStream, parseInventoryEvent, parseOrderEvent } from '@spillway/contracts';
import type { EventStoreAccess } from '@spillway/runtime';
import { available, decide, InsufficientStockError } from './decider';
import { inventoryFold, progressFold } from './inventory-fold';
import type { KeyedLock } from './keyed-lock';
import { decideOutcome, type ReservationOutcome } from './order-progress';

export interface ReservationDeps {
  readonly skuLock: KeyedLock;
}

// Each pass reads the order and acts on its status; the second pass only cleans up after the first
// (releases after a rejection or a cancel that won the race), so a third is never needed.
const MAX_PASSES = 3;

async function reserveLine(es: EventStoreAccess, deps: ReservationDeps, orderId: string, line: ItemQuantity): Promise<void> {
  await deps.skuLock.run(line.sku, () =>
    es.decideAndAppend(
      inventoryStream(line.sku),
      inventoryFold,
      (state) => decide({ type: 'ReserveStock', sku: line.sku, orderId, quantity: line.quantity }, state),
      parseInventoryEvent,
    ),
  );
}

async function availableOf(es: EventStoreAccess, sku: string): Promise<number> {
  const { state } = await es.load(inventoryStream(sku), inventoryFold, parseInventoryEvent);
  return available(state);
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
        const free = await availableOf(es, rest.sku);
        if (free < rest.quantity) reasons.push({ sku: rest.sku, requested: rest.quantity, available: free });
      }
      return { type: 'StockReservationRejected', data: { orderId, reasons } };
    }
  }
  return { type: 'StockReserved', data: { orderId, items: [...items] } };
}

async function releaseAll(es: EventStoreAccess, deps: ReservationDeps, orderId: string, items: readonly ItemQuantity[]): Promise<void> {
  for (const line of items) {
    await deps.skuLock.run(line.sku, () =>
      es.decideAndAppend(
        inventoryStream(line.sku),
        inventoryFold,
        (state) => decide({ type: 'ReleaseStock', sku: line.sku, orderId }, state),
        parseInventoryEvent,
      ),
    );
  }
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
