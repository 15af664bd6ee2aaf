/**
 * Streams.Read: reads of a stream or `$all` (with a count) and catch-up subscriptions
 * (confirmation, historical events, caught_up, then live events). A read starts at the
 * given revision/position; a subscription starts after it
 * (https://developers.eventstore.com/clients/grpc/subscriptions.html).
 */
import { randomUUID } from 'node:crypto';
import { type ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import type * as grpc from '@grpc/grpc-js';
import { type AccessControl, OPEN_ACCESS } from '../server/access-control';
import { errors } from '../server/errors';
import { LINK_TYPE, linkTarget } from '../store/links';
import type { RecordedEvent, Store } from '../store/store';
import { toRpcError } from './append';
import { BadRequest, streamIdentifier } from './convert';
import { Output } from './output';
import { encodeReadEvent } from './read-event-encoding';
import { type ReadPlan, readPlan } from './read-request';

/** A response message, or one already encoded (events take the fast path of read-event-encoding.ts). */
export type ReadMessage = ReadResp | Buffer;

/** Events taken from the store at a time: big enough for fast catch-up, small enough to stay responsive. */
const PAGE = 1024;

export function handleRead(store: Store, track: (output: Output<ReadMessage>) => () => void, access: AccessControl = OPEN_ACCESS) {
  return (call: grpc.ServerWritableStream<ReadReq, ReadMessage>): void => {
    const output = new Output<ReadMessage>(call);
    let plan: ReadPlan;
    try {
      plan = readPlan(call.request);
    } catch (error) {
      output.fail(toRpcError(error));
      return;
    }
    // Reading `$all` is reading the `$all` stream, a system stream (its ACL is in `$$$all`).
    const denied = access.checkStream(call.metadata, plan.target.kind === 'stream' ? plan.target.name : '$all', 'read');
    if (denied) {
      output.fail(denied);
      return;
    }
    const untrack = track(output);
    const run = plan.count === undefined ? subscribe(store, output, plan) : read(store, output, plan, plan.count);
    run
      .then(
        () => output.end(),
        (error: unknown) => output.fail(toRpcError(error)),
      )
      .finally(untrack);
  };
}

function eventMessage(store: Store, event: RecordedEvent, plan: ReadPlan): Buffer {
  if (plan.resolveLinks && event.type === LINK_TYPE) return encodeReadEvent(linkTarget(store, event), plan.structuredUuid, event);
  return encodeReadEvent(event, plan.structuredUuid);
}

async function read(store: Store, output: Output<ReadMessage>, plan: ReadPlan, count: bigint): Promise<void> {
  if (plan.target.kind === 'stream') await readStream(store, output, plan, plan.target.name, count);
  else await readAll(store, output, plan, count);
}

async function readStream(store: Store, output: Output<ReadMessage>, plan: ReadPlan, name: string, count: bigint): Promise<void> {
  const state = store.streamState(name);
  if (state.tombstoned) throw new BadRequest(errors.streamDeleted(name));
  if (state.lastRevision === undefined) {
    const notFound = new ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(name));
    await output.write(new ReadResp().setStreamNotFound(notFound));
    return;
  }
  const forwards = plan.direction === 'forwards';
  let cursor = plan.from === 'start' ? 0n : plan.from === 'end' ? (forwards ? state.lastRevision + 1n : state.lastRevision) : plan.from;
  let remaining = count;
  while (remaining > 0n && output.open) {
    const want = remaining < BigInt(PAGE) ? remaining : BigInt(PAGE);
    const page = store.readStream(name, cursor, plan.direction, want);
    for (const event of page) await output.write(eventMessage(store, event, plan));
    if (BigInt(page.length) < want) return;
    remaining -= want;
    const last = page[page.length - 1]!.revision;
    if (forwards) cursor = last + 1n;
    else if (last === 0n) return;
    else cursor = last - 1n;
  }
}

async function readAll(store: Store, output: Output<ReadMessage>, plan: ReadPlan, count: bigint): Promise<void> {
  const forwards = plan.direction === 'forwards';
  let cursor = plan.from === 'start' ? 0n : plan.from === 'end' ? store.headPosition() : plan.from;
  let remaining = count;
  while (remaining > 0n && output.open) {
    const page = store.readAll(cursor, plan.direction, BigInt(PAGE));
    for (const event of page) {
      if (plan.filter && !plan.filter.matches(event)) continue;
      await output.write(eventMessage(store, event, plan));
      remaining--;
      if (remaining === 0n) return;
    }
    if (page.length < PAGE) return;
    const last = page[page.length - 1]!.position;
    cursor = forwards ? last + 1n : last;
  }
}

/** Where a subscription reads from next, and how. */
interface Source {
  fetch(max: number): readonly RecordedEvent[];
  advance(event: RecordedEvent): void;
  /** Whether appended events may concern this subscription (a cheap test; a spurious wake-up only costs a read). */
  concerns(events: readonly RecordedEvent[]): boolean;
  /** An error that ends the subscription (the stream was tombstoned), if any. */
  check(): BadRequest | undefined;
}

function streamSource(store: Store, name: string, from: ReadPlan['from']): Source {
  let next: bigint;
  if (from === 'start') next = 0n;
  else if (from === 'end') next = (store.streamState(name).lastRevision ?? -1n) + 1n;
  else next = from + 1n;
  return {
    fetch: (max) => store.readStream(name, next, 'forwards', BigInt(max)),
    advance: (event) => {
      next = event.revision + 1n;
    },
    concerns: (events) => events.some((e) => e.streamId === name || e.streamId === `$$${name}`),
    check: () => (store.streamState(name).tombstoned ? new BadRequest(errors.streamDeleted(name)) : undefined),
  };
}

function allSource(store: Store, from: ReadPlan['from']): Source {
  let next = from === 'start' ? 0n : from === 'end' ? store.headPosition() : from + 1n;
  return {
    fetch: (max) => store.readAll(next, 'forwards', BigInt(max)),
    advance: (event) => {
      next = event.position + 1n;
    },
    concerns: () => true,
    check: () => undefined,
  };
}

function checkpoint(position: bigint): ReadResp {
  const p = position.toString();
  return new ReadResp().setCheckpoint(new ReadResp.Checkpoint().setCommitPosition(p).setPreparePosition(p));
}

async function subscribe(store: Store, output: Output<ReadMessage>, plan: ReadPlan): Promise<void> {
  const source = plan.target.kind === 'stream' ? streamSource(store, plan.target.name, plan.from) : allSource(store, plan.from);
  const filter = plan.filter;
  let dirty = true;
  let wake: (() => void) | undefined;
  const unsubscribe = store.onAppended((events) => {
    if (!source.concerns(events)) return;
    dirty = true;
    wake?.();
  });
  const stopWaiting = output.onClose(() => wake?.());
  try {
    await output.write(new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
    let caughtUp = false;
    let scanned = 0;
    while (output.open) {
      dirty = false;
      const ended = source.check();
      if (ended) throw ended;
      const page = source.fetch(PAGE);
      for (const event of page) {
        source.advance(event);
        if (!filter || filter.matches(event)) await output.write(eventMessage(store, event, plan));
        if (filter && ++scanned >= filter.checkpointInterval) {
          scanned = 0;
          await output.write(checkpoint(event.position));
        }
        if (!output.open) return;
      }
      if (page.length === PAGE) continue;
      if (!caughtUp) {
        caughtUp = true;
        await output.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
      }
      if (!dirty && output.open) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    }
  } finally {
    unsubscribe();
    stopWaiting();
  }
}
