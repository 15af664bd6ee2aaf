import { randomUUID } from 'node:crypto';
import {
  END,
  type EventStoreDBClient,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  type Position,
  type ResolvedEvent,
  START,
  StreamDeletedError,
  streamNameFilter,
} from '@eventstore/db-client';
import type { Emulator } from '../index';
import { useMemoryEmulator } from '../testing/memory-emulator';

let emulator: Emulator;
let client: EventStoreDBClient;
useMemoryEmulator((started) => ({ emulator, client } = started));

const stream = (prefix: string) => `${prefix}-${randomUUID()}`;
const typed = (type: string, n = 0) => jsonEvent({ type, data: { n } });

interface Subscription extends AsyncIterable<ResolvedEvent> {
  on(event: 'caughtUp' | 'confirmation', listener: () => void): unknown;
  unsubscribe(): Promise<void>;
}

/** Takes `count` events from a subscription, noting where `caughtUp` arrived among them. */
async function take(subscription: Subscription, count: number, whenCaughtUp?: () => Promise<unknown>) {
  const seen: (ResolvedEvent | 'caughtUp')[] = [];
  let live: Promise<unknown> | undefined;
  subscription.on('caughtUp', () => {
    seen.push('caughtUp');
    live = whenCaughtUp?.();
  });
  let n = 0;
  for await (const event of subscription) {
    seen.push(event);
    if (++n === count) break;
  }
  await live;
  await subscription.unsubscribe();
  return seen.map((e) => (e === 'caughtUp' ? e : `${e.event?.type}@${e.event?.revision}`));
}

describe('stream subscriptions', () => {
  test('deliver history, then caught_up, then live events', async () => {
    const name = stream('sub');
    await client.appendToStream(name, [typed('A'), typed('B')]);
    const seen = await take(client.subscribeToStream(name, { fromRevision: START }), 3, () => client.appendToStream(name, typed('Live')));
    expect(seen).toEqual(['A@0', 'B@1', 'caughtUp', 'Live@2']);
  });

  test('start after the given revision', async () => {
    const name = stream('sub-rev');
    await client.appendToStream(name, [typed('A'), typed('B'), typed('C')]);
    const seen = await take(client.subscribeToStream(name, { fromRevision: 0n }), 2);
    expect(seen).toEqual(['B@1', 'C@2']);
  });

  test('from the end deliver only new events', async () => {
    const name = stream('sub-end');
    await client.appendToStream(name, typed('Old'));
    const seen = await take(client.subscribeToStream(name, { fromRevision: END }), 1, () => client.appendToStream(name, typed('New')));
    expect(seen).toEqual(['caughtUp', 'New@1']);
  });

  test('to a stream that does not exist yet wait for it', async () => {
    const name = stream('sub-later');
    const seen = await take(client.subscribeToStream(name), 1, () => client.appendToStream(name, typed('First')));
    expect(seen).toEqual(['caughtUp', 'First@0']);
  });

  test('end with StreamDeleted when the stream is tombstoned', async () => {
    const name = stream('sub-tomb');
    await client.appendToStream(name, typed('A'));
    const subscription = client.subscribeToStream(name);
    subscription.on('caughtUp', () => void client.tombstoneStream(name));
    const received: string[] = [];
    const error = await (async () => {
      for await (const e of subscription) received.push(e.event!.type);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(received).toEqual(['A']);
    expect(error).toBeInstanceOf(StreamDeletedError);
  });
});

describe('$all subscriptions', () => {
  test('start after the given position and go live', async () => {
    const name = stream('all-pos');
    const first = await client.appendToStream(name, typed('A'));
    await client.appendToStream(name, typed('B'));
    const subscription = client.subscribeToAll({ fromPosition: first.position!, filter: streamNameFilter({ prefixes: [name] }) });
    const seen = await take(subscription, 2, () => client.appendToStream(name, typed('C')));
    expect(seen).toEqual(['B@1', 'caughtUp', 'C@2']);
  });

  test.each([
    ['stream name prefixes', (p: string) => streamNameFilter({ prefixes: [`${p}-x`, `${p}-y`] })],
    ['stream name regex', (p: string) => streamNameFilter({ regex: `^${p}-(x|y)` })],
  ])('filter on %s', async (_label, filter) => {
    const prefix = `f${randomUUID().slice(0, 8)}`;
    await client.appendToStream(`${prefix}-x`, typed('X'));
    await client.appendToStream(`${prefix}-z`, typed('Z'));
    await client.appendToStream(`${prefix}-y`, typed('Y'));
    const seen = await take(client.subscribeToAll({ fromPosition: START, filter: filter(prefix) }), 2);
    expect(seen).toEqual(['X@0', 'Y@0']);
  });

  test.each([
    ['event type prefixes', (t: string) => eventTypeFilter({ prefixes: [`${t}Kept`] })],
    ['event type regex', (t: string) => eventTypeFilter({ regex: `^${t}Kept` })],
  ])('filter on %s', async (_label, filter) => {
    const tag = `T${randomUUID().slice(0, 8)}`;
    const name = stream('types');
    await client.appendToStream(name, [typed(`${tag}Kept`, 1), typed(`${tag}Dropped`), typed(`${tag}Kept`, 2)]);
    const seen = await take(client.subscribeToAll({ fromPosition: START, filter: filter(tag) }), 2);
    expect(seen).toEqual([`${tag}Kept@0`, `${tag}Kept@2`]);
  });

  test('excludeSystemEvents leaves out $-typed events', async () => {
    const name = stream('nosys');
    await client.setStreamMetadata(name, { maxCount: 3 });
    await client.appendToStream(name, typed('Visible'));
    const types: string[] = [];
    const subscription = client.subscribeToAll({ fromPosition: START, filter: excludeSystemEvents() });
    for await (const e of subscription) {
      types.push(e.event!.type);
      if (e.event?.streamId === name) break;
    }
    await subscription.unsubscribe();
    expect(types.filter((t) => t.startsWith('$'))).toEqual([]);
    expect(types).toContain('Visible');
  });

  test('filtered subscriptions report checkpoints as they scan', async () => {
    const tag = `C${randomUUID().slice(0, 8)}`;
    const name = stream('checkpoints');
    await client.appendToStream(
      name,
      Array.from({ length: 10 }, (_, i) => typed(`${tag}Other`, i)),
    );
    const checkpoints: Position[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: START,
      filter: eventTypeFilter({
        prefixes: [`${tag}Wanted`],
        maxSearchWindow: 2,
        checkpointInterval: 1,
        checkpointReached: (_s, position) => {
          checkpoints.push(position);
        },
      }),
    });
    subscription.on('caughtUp', () => void client.appendToStream(name, typed(`${tag}Wanted`)));
    for await (const e of subscription) {
      expect(e.event?.type).toBe(`${tag}Wanted`);
      break;
    }
    await subscription.unsubscribe();
    expect(checkpoints.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < checkpoints.length; i++) expect(checkpoints[i]!.commit > checkpoints[i - 1]!.commit).toBe(true);
  });

  test('an invalid regex is refused by name', async () => {
    const subscription = client.subscribeToAll({ filter: streamNameFilter({ regex: '(unclosed' }) });
    await expect(
      (async () => {
        for await (const _ of subscription) break;
      })(),
    ).rejects.toThrow(/Invalid filter regex '\(unclosed'/);
  });
});
