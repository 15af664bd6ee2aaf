import { EventStoreDBClient, jsonEvent, WrongExpectedVersionError } from '@eventstore/db-client';
import { startTestEventStore, type TestEventStore } from '../testing/test-event-store';
import { createMetrics } from './metrics';
import { timeAppends } from './timed-appends';

let store: TestEventStore;
let client: EventStoreDBClient;
const metrics = createMetrics('test');
beforeAll(async () => {
  store = await startTestEventStore();
  client = EventStoreDBClient.connectionString(store.connectionString);
  timeAppends(client, metrics.appendDuration);
});
afterAll(async () => {
  await client?.dispose();
  await store?.close();
});

/** The histogram's count for one outcome, as /metrics shows it. */
async function appends(outcome: string): Promise<number> {
  const line = (await metrics.registry.metrics())
    .split('\n')
    .find((l) => l.startsWith('spillway_eventstore_append_duration_seconds_count{') && l.includes(`outcome="${outcome}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const event = () => jsonEvent({ type: 'Noted', data: { at: 1 } });

describe('timeAppends', () => {
  test('an append that succeeds counts as ok, and its result reaches the caller', async () => {
    const result = await client.appendToStream('timed-ok', [event()], { expectedRevision: 'no_stream' });
    expect(result.nextExpectedRevision).toBe(0n);
    expect(await appends('ok')).toBe(1);
  });

  test('a wrong expected revision counts as a conflict, and the caller still gets the error', async () => {
    await client.appendToStream('timed-conflict', [event()]);
    await expect(client.appendToStream('timed-conflict', [event()], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    expect(await appends('conflict')).toBe(1);
    expect(await appends('ok')).toBe(2);
  });

  test('any other failure counts as an error', async () => {
    await client.appendToStream('timed-deleted', [event()]);
    await client.tombstoneStream('timed-deleted');
    await expect(client.appendToStream('timed-deleted', [event()])).rejects.toThrow();
    expect(await appends('error')).toBe(1);
  });
});
