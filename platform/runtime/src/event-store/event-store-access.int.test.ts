import { type EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { logCapture } from '../../test/log-capture';
import { createLogger } from '../observability/logger';
import { createMetrics } from '../observability/metrics';
import { startTestEventStore, type TestEventStore } from '../testing/test-event-store';
import { createEventStoreAccess } from './create-event-store-access';
import { QUARANTINE_EVENT_TYPE, QUARANTINE_STREAM, TolerantReader } from './tolerant-reader';

let store: TestEventStore;
let client: EventStoreDBClient;
beforeAll(async () => {
  store = await startTestEventStore();
  client = store.client;
});
afterAll(() => store?.close());

type Counted = { type: 'Counted'; data: { by: number } };
const fold = { initialState: () => 0, evolve: (sum: number, event: Counted) => sum + event.data.by };
const metrics = createMetrics('test');
const logs = logCapture();
let reader: TolerantReader;
beforeAll(() => {
  reader = new TolerantReader('test', client, createLogger('test', 'info', logs.stream), metrics);
});
const access = (id: string) => createEventStoreAccess(client, { fn: 'test', id, correlationId: `corr-${id}`, causationId: id }, reader);

async function counter(name: string, labels: string): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Parses Counted (a positive whole `by`); undefined for other types; throws on a Counted that does not fit. */
function parseCounted(type: string, data: unknown): Counted | undefined {
  if (type !== 'Counted') return undefined;
  const by = (data as { by?: unknown }).by;
  if (typeof by !== 'number' || !Number.isInteger(by) || by <= 0) throw new Error(`Counted.by must be a positive whole number, got ${by}`);
  return { type, data: { by } };
}

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

  test('tolerant fold: an unknown type is skipped and counted, an invalid event is quarantined once and skipped, commands go on', async () => {
    await client.appendToStream('tolerant-1', [
      jsonEvent({ type: 'Counted', data: { by: 2 } }),
      jsonEvent({ type: 'NoteAdded', data: { note: 'from a newer writer' } }),
      jsonEvent({ type: 'Counted', data: { by: -5 } }),
      jsonEvent({ type: 'Counted', data: { by: 3 } }),
    ]);
    expect(await access('t1').load('tolerant-1', fold, parseCounted)).toEqual({ state: 5, revision: 3n });
    // A command on the aggregate still works, and appends after the skipped events.
    const appended = await access('t2').decideAndAppend(
      'tolerant-1',
      fold,
      (sum) => [{ type: 'Counted', data: { by: sum } }],
      parseCounted,
    );
    expect(appended).toHaveLength(1);
    expect(await access('t3').load('tolerant-1', fold, parseCounted)).toEqual({ state: 10, revision: 4n });

    const records = [];
    for await (const { event } of client.readStream(QUARANTINE_STREAM)) records.push(event);
    let badId: string | undefined;
    for await (const { event } of client.readStream('tolerant-1')) if (event?.revision === 2n) badId = event.id;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      type: QUARANTINE_EVENT_TYPE,
      data: {
        fn: 'test',
        streamId: 'tolerant-1',
        revision: '2',
        eventId: badId,
        type: 'Counted',
        reason: expect.stringMatching(/got -5$/),
      },
    });
    // Three folds met the bad event; it is recorded, counted and logged once.
    expect(await counter('spillway_events_quarantined_total', 'type="Counted"')).toBe(1);
    expect(logs.entries.filter((e) => e.msg?.toString().startsWith('quarantined an invalid event'))).toHaveLength(1);
    expect(await counter('spillway_events_unknown_type_total', 'where="fold"')).toBe(3);
    expect(logs.entries.filter((e) => e.type === 'NoteAdded')).toHaveLength(1);
  });
});
