import { EventStore } from './event-store';
import { MemoryJournal } from './journal';
import type { Store } from './store';

/** A store that keeps everything in memory: for tests, gone when the process ends. */
export function createMemoryStore(options: { readonly now?: () => number } = {}): Store {
  return new EventStore({ journal: new MemoryJournal(), ...options });
}
