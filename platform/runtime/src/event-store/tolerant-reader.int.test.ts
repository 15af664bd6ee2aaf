import { type EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { logCapture } from '../../test/log-capture';
import { createLogger } from '../observability/logger';
import { createMetrics } from '../observability/metrics';
import { startTestEventStore, type TestEventStore } from '../testing/test-event-store';
import { QUARANTINE_STREAM, TolerantReader } from './tolerant-reader';

let store: TestEventStore;
let client: EventStoreDBClient;
beforeAll(async () => {
  store = await startTestEventStore();
  client = store.client;
});
afterAll(() => store?.close());

/** A replica of some function: its own process memory of what it has quarantined. */
function replica(fn: string): TolerantReader {
  return new TolerantReader(fn, client, createLogger(fn, 'silent', logCapture().stream), createMetrics(fn));
}

async function badEvent(streamId: string): Promise<{ streamId: string; revision: bigint; id: string; type: string; reason: string }> {
  const { nextExpectedRevision } = await client.appendToStream(streamId, jsonEvent({ type: 'Counted', data: { by: -5 } }));
  let id = '';
  for await (const { event } of client.readStream(streamId)) if (event) id = event.id;
  return { streamId, revision: nextExpectedRevision, id, type: 'Counted', reason: 'Counted.by must be positive' };
}

async function recordsOf(eventId: string): Promise<number> {
  let count = 0;
  for await (const { event } of client.readStream(QUARANTINE_STREAM)) {
    if ((event?.data as { eventId?: unknown } | undefined)?.eventId === eventId) count++;
  }
  return count;
}

/**
 * EventStoreDB recognises a re-append of the same ids under `any` only while they are in its
 * committed-events cache (8 MiB, charged by stream-name length, emptied by a restart): events on a
 * stream with a very long name push every earlier id out of it, as a busy day or a restart would.
 */
async function makeTheStoreForgetRecentIds(): Promise<void> {
  const longName = `filler-${'x'.repeat(20_000)}`;
  const events = Array.from({ length: 250 }, () => jsonEvent({ type: 'Filler', data: {} }));
  await client.appendToStream(longName, events);
}

describe('quarantine records', () => {
  test('a bad event met again by another replica long after the first recorded it -> still one record', async () => {
    const event = await badEvent('quarantine-later-1');
    await replica('fn-a').quarantine(event);
    await makeTheStoreForgetRecentIds();
    // A replica started since (its memory is empty) folds the stream and meets the same event.
    await replica('fn-b').quarantine(event);
    expect(await recordsOf(event.id)).toBe(1);
  });

  test('several replicas meeting the same bad event at once -> one record', async () => {
    const event = await badEvent('quarantine-race-1');
    await Promise.all(['fn-a', 'fn-b', 'fn-c', 'fn-d'].map((fn) => replica(fn).quarantine(event)));
    expect(await recordsOf(event.id)).toBe(1);
  });

  test('two different bad events -> two records', async () => {
    const first = await badEvent('quarantine-two-1');
    const second = await badEvent('quarantine-two-2');
    await replica('fn-a').quarantine(first);
    await replica('fn-a').quarantine(second);
    expect([await recordsOf(first.id), await recordsOf(second.id)]).toEqual([1, 1]);
  });
});
