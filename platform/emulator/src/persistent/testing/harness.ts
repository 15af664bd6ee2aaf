import { once } from 'node:events';
import {
  type EventStoreDBClient,
  jsonEvent,
  type PersistentSubscriptionToAll,
  type PersistentSubscriptionToStream,
  type PersistentSubscriptionToStreamResolvedEvent,
} from '@eventstore/db-client';

/** Test helpers for persistent subscriptions through the real client. */

let counter = 0;
/** A stream name no other test uses. */
export const uniqueStream = (prefix: string): string => `${prefix}-${process.pid}-${Date.now()}-${counter++}`;

export async function appendEvents(client: EventStoreDBClient, stream: string, count: number, metadata?: object): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => jsonEvent({ type: 'Tested', data: { i }, ...(metadata ? { metadata } : {}) }));
  await client.appendToStream(stream, events);
}

/** Polls until `check` holds; fails the test with `what` after 10 s. */
export async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

type AnySubscription = PersistentSubscriptionToStream | PersistentSubscriptionToAll;
type Received = PersistentSubscriptionToStreamResolvedEvent;

export interface Collector {
  readonly subscription: AnySubscription;
  readonly received: Received[];
  readonly errors: Error[];
}

/** Collects what a subscription delivers (without acking) once it is confirmed. */
export async function collect(subscription: AnySubscription, onEvent?: (event: Received) => void): Promise<Collector> {
  const collector: Collector = { subscription, received: [], errors: [] };
  subscription.on('data', (event: Received) => {
    collector.received.push(event);
    onEvent?.(event);
  });
  subscription.on('error', (error: Error) => collector.errors.push(error));
  await Promise.race([
    once(subscription, 'confirmation'),
    once(subscription, 'error').then(([error]) => {
      throw error;
    }),
  ]);
  return collector;
}

/** The revision the message carries in the subscribed stream (a link's own revision when resolved). */
export const revisionOf = (event: Received): bigint => (event.link ?? event.event)!.revision;
