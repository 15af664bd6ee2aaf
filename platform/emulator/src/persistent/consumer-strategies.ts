import type { Consumer } from './consumer';
import { correlationId, type OutstandingMessage, sourceStreamId } from './messages';
import { PinnedStrategy } from './pinned-strategy';
import type { ConsumerStrategyName } from './settings';

/** What a strategy did with a message: sent it, passed over it (it stays buffered), or found no room anywhere. */
export type PushResult = 'sent' | 'skipped' | 'full';

/** Chooses the consumer for each message (EventStoreDB's IPersistentSubscriptionConsumerStrategy). */
export interface ConsumerStrategy {
  readonly name: ConsumerStrategyName;
  added(consumer: Consumer): void;
  removed(consumer: Consumer): void;
  push(message: OutstandingMessage): PushResult;
}

/** Each message to the next consumer in turn that has room. */
export class RoundRobinStrategy implements ConsumerStrategy {
  readonly name: ConsumerStrategyName = 'RoundRobin';
  protected readonly consumers: Consumer[] = [];
  protected next = 0;

  added(consumer: Consumer): void {
    this.consumers.push(consumer);
  }

  removed(consumer: Consumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index === -1) return;
    this.consumers.splice(index, 1);
    if (index < this.next) this.next--;
    if (this.next >= this.consumers.length) this.next = 0;
  }

  push(message: OutstandingMessage): PushResult {
    const count = this.consumers.length;
    for (let tried = 0; tried < count; tried++) {
      const index = (this.next + tried) % count;
      if (this.consumers[index]!.push(message)) {
        this.next = (index + 1) % count;
        return 'sent';
      }
    }
    return 'full';
  }
}

/** Every message to the first consumer until its window is full, then the next one. */
export class DispatchToSingleStrategy extends RoundRobinStrategy {
  override readonly name: ConsumerStrategyName = 'DispatchToSingle';

  override push(message: OutstandingMessage): PushResult {
    const count = this.consumers.length;
    for (let tried = 0; tried < count; tried++) {
      if (this.consumers[this.next]!.push(message)) return 'sent';
      this.next = (this.next + 1) % count;
    }
    return 'full';
  }
}

export function createStrategy(name: ConsumerStrategyName): ConsumerStrategy {
  switch (name) {
    case 'RoundRobin':
      return new RoundRobinStrategy();
    case 'DispatchToSingle':
      return new DispatchToSingleStrategy();
    case 'Pinned':
      return new PinnedStrategy('Pinned', (message) => sourceStreamId(message.resolved));
    case 'PinnedByCorrelation':
      return new PinnedStrategy('PinnedByCorrelation', (message) => correlationId(message.resolved));
    default: {
      const unknown: never = name;
      throw new Error(`unknown consumer strategy ${String(unknown)}`);
    }
  }
}
