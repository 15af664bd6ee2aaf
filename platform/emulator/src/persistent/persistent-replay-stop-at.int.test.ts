import {
  type EventStoreDBClient,
  PersistentSubscriptionFailedError,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
} from '@eventstore/db-client';
import type { Emulator } from '../index';
import { useMemoryEmulator } from '../testing/memory-emulator';
import { uniqueStream } from './testing/harness';

let emulator: Emulator;
let client: EventStoreDBClient;
useMemoryEmulator((started) => ({ emulator, client } = started));

const NEGATIVE = 'Cannot stop replaying parked message at a negative version.';

describe('ReplayParked stopAt through the real client', () => {
  test.each([
    ['an existing group', true],
    ['a group that does not exist (the real server checks stopAt first)', false],
  ])('a negative stopAt on %s fails with the real server reason', async (_name, exists) => {
    const stream = uniqueStream('stop-at');
    if (exists)
      await client.createPersistentSubscriptionToStream(
        stream,
        'g',
        persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START }),
      );
    const error = await client.replayParkedMessagesToStream(stream, 'g', { stopAt: -1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistentSubscriptionFailedError);
    expect((error as Error).message).toContain(NEGATIVE);
  });
});
