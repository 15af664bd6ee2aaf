import type { InventoryEvent, OrderEvent } from '@spillway/contracts';
import type { Fold } from '@spillway/runtime';
import { evolve, type InventoryState, initialState } from './decider';
import { evolveProgress, initialProgress, type OrderProgress } from './order-progress';

/** Folds an `inventory-<sku>` stream; event types this contract does not know leave the state as it is. */
export const inventoryFold: Fold<InventoryState, InventoryEvent | undefined> = {
  initialState,
  evolve: (state, event) => (event ? evolve(state, event) : state),
};

/** Folds an `order-<id>` stream into what reservation needs to know. */
export const progressFold: Fold<OrderProgress, OrderEvent | undefined> = {
  initialState: initialProgress,
  evolve: (state, event) => (event ? evolveProgress(state, event) : state),
};
