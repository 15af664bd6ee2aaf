import { type EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { startTestEventStore, type TestEventStore } from '../testing/test-event-store';
import { createEventStoreAccess } from './create-event-store-access';

let store: TestEventStore;
let client: EventStoreDBClient;
beforeAll(async () => {
  store = await startTestEventStore();
  client = store.client;
});
afterAll(() => store?.close());

type Counted = { type: 'Counted'; data: { by: number } };
const fold = { initialState: () => 0, evolve: (sum: number, event: Counted) => sum + event.data.by };
const access = (id: string) => createEventStoreAccess(client, { fn: 'test', id, correlationId: `corr-${id}`, causationId: id });

describe('EventStoreAccess', () => {
  test('load folds a stream and reports its revision; a missing stream is the initial state at no_stream', async () => {
    expect(await access('a').load('missing-1', fold)).toEqual({ state: 0, revision: 'no_stream' });
    await client.appendToStream('count-1', [
      jsonEvent({ type: 'Counted', data: { by: 2 } }),
      jsonEvent({ type: 'Counted', data: { by: 3 } }),
    ]);
    expect(await access('a').load('count-1', fold)).toEqual({ state: 5, revision: 1n });
  });

  test('concurrent deciders on one stream all get their event in, by reloading on a conflict', async () => {
    const writers = Array.from({ length: 6 }, (_, i) =>
      access(`writer-${i}`).decideAndAppend('count-race', fold, (sum) => [{ type: 'Counted', data: { by: sum + 1 } }]),
    );
    const written = await Promise.all(writers);
    expect(written.every((events) => events.length === 1)).toBe(true);
    const { revision } = await access('reader').load('count-race', fold);
    expect(revision).toBe(5n);
  });

  test('the same cause appends the same ids, so a repeated append is a no-op', async () => {
    const first = await access('cause-x').append('idem-1', [{ type: 'Counted', data: { by: 1 } }], { expectedRevision: 'no_stream' });
    const again = await access('cause-x').append('idem-1', [{ type: 'Counted', data: { by: 1 } }], { expectedRevision: 'no_stream' });
    expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
    const events = [];
    for await (const { event } of client.readStream('idem-1')) events.push(event);
    expect(events).toHaveLength(1);
    expect(events[0]?.id).toBe(access('cause-x').eventId('idem-1/0/Counted'));
    expect(events[0]?.metadata).toEqual({ $correlationId: 'corr-cause-x', $causationId: 'cause-x' });
  });

  test('decideAndAppendNew writes a new stream, and on an existing one decides on its real state', async () => {
    const created = await access('new-1').decideAndAppendNew('fresh-1', fold, (sum) => [{ type: 'Counted', data: { by: sum + 7 } }]);
    expect(created).toEqual([{ type: 'Counted', data: { by: 7 }, id: access('new-1').eventId('fresh-1/0/Counted') }]);
    // Another cause on the same stream: the no_stream append conflicts, so it reads and decides on 7.
    const next = await access('new-2').decideAndAppendNew('fresh-1', fold, (sum) => [{ type: 'Counted', data: { by: sum + 1 } }]);
    expect(next).toEqual([expect.objectContaining({ data: { by: 8 } })]);
    expect(await access('reader').load('fresh-1', fold)).toEqual({ state: 15, revision: 1n });
    // The first cause again (a retried request): its event is already there, nothing is added.
    await access('new-1').decideAndAppendNew('fresh-1', fold, (sum) => [{ type: 'Counted', data: { by: sum + 7 } }]);
    expect(await access('reader').load('fresh-1', fold)).toEqual({ state: 15, revision: 1n });
  });
});
