import {
  END,
  type EventStoreDBClient,
  PersistentSubscriptionDoesNotExistError,
  PersistentSubscriptionDroppedError,
  PersistentSubscriptionExistsError,
  PersistentSubscriptionFailedError,
  PersistentSubscriptionMaximumSubscribersReachedError,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
} from '@eventstore/db-client';
import { PersistentSubscriptionsClient } from '@eventstore/db-client/generated/persistent_grpc_pb';
import { CreateReq, type CreateResp } from '@eventstore/db-client/generated/persistent_pb';
import { Empty, StreamIdentifier } from '@eventstore/db-client/generated/shared_pb';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import type { Emulator } from '../index';
import { useMemoryEmulator } from '../testing/memory-emulator';
import { appendEvents, type Collector, collect, uniqueStream, until } from './testing/harness';

let emulator: Emulator;
let client: EventStoreDBClient;
useMemoryEmulator((started) => ({ emulator, client } = started));

const settings = persistentSubscriptionToStreamSettingsFromDefaults;

describe('persistent subscription administration through the real client', () => {
  test('create, get, update, list and delete round trips', async () => {
    const stream = uniqueStream('admin');
    const allGroup = uniqueStream('admin-all');
    await client.createPersistentSubscriptionToStream(
      stream,
      'a',
      settings({ startFrom: 5n, maxRetryCount: 3, consumerStrategyName: 'Pinned' }),
    );
    await client.createPersistentSubscriptionToStream(stream, 'b', settings());
    await client.createPersistentSubscriptionToAll(allGroup, persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START }));

    const a = await client.getPersistentSubscriptionToStreamInfo(stream, 'a');
    expect(a).toMatchObject({ eventSource: stream, groupName: 'a', status: 'Live' });
    expect(a.settings).toEqual(settings({ startFrom: 5n, maxRetryCount: 3, consumerStrategyName: 'Pinned' }));
    expect((await client.getPersistentSubscriptionToStreamInfo(stream, 'b')).settings.startFrom).toBe(END);
    expect((await client.getPersistentSubscriptionToAllInfo(allGroup)).settings.startFrom).toBe(START);

    await client.updatePersistentSubscriptionToStream(
      stream,
      'a',
      settings({ startFrom: START, maxRetryCount: 7, consumerStrategyName: 'RoundRobin' }),
    );
    const updated = await client.getPersistentSubscriptionToStreamInfo(stream, 'a');
    expect(updated.settings).toMatchObject({ startFrom: START, maxRetryCount: 7, consumerStrategyName: 'RoundRobin' });

    expect((await client.listPersistentSubscriptionsToStream(stream)).map((i) => i.groupName).sort()).toEqual(['a', 'b']);
    expect((await client.listPersistentSubscriptionsToAll()).map((i) => i.groupName)).toContain(allGroup);
    const everything = await client.listAllPersistentSubscriptions();
    expect(everything.filter((i) => i.eventSource === stream || i.groupName === allGroup)).toHaveLength(3);

    await client.deletePersistentSubscriptionToStream(stream, 'a');
    await expect(client.getPersistentSubscriptionToStreamInfo(stream, 'a')).rejects.toThrow(PersistentSubscriptionDoesNotExistError);
    expect((await client.listPersistentSubscriptionsToStream(stream)).map((i) => i.groupName)).toEqual(['b']);
    await client.deletePersistentSubscriptionToAll(allGroup);
  });

  test('create twice: already exists, with the real server message', async () => {
    const stream = uniqueStream('exists');
    await client.createPersistentSubscriptionToStream(stream, 'g', settings());
    const error = await client.createPersistentSubscriptionToStream(stream, 'g', settings()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistentSubscriptionExistsError);
    expect((error as Error).message).toContain(`Subscription group g on stream ${stream} exists.`);
  });

  test('missing groups: does not exist for get, update, delete, replay, subscribe and listing an unknown stream', async () => {
    const stream = uniqueStream('missing');
    const message = `Subscription group nope on stream ${stream} does not exist.`;
    await expect(client.getPersistentSubscriptionToStreamInfo(stream, 'nope')).rejects.toThrow(message);
    await expect(client.updatePersistentSubscriptionToStream(stream, 'nope', settings())).rejects.toThrow(
      PersistentSubscriptionDoesNotExistError,
    );
    await expect(client.deletePersistentSubscriptionToStream(stream, 'nope')).rejects.toThrow(PersistentSubscriptionDoesNotExistError);
    await expect(client.replayParkedMessagesToStream(stream, 'nope')).rejects.toThrow(PersistentSubscriptionDoesNotExistError);
    await expect(client.listPersistentSubscriptionsToStream(stream)).rejects.toThrow(PersistentSubscriptionDoesNotExistError);
    await expect(collect(client.subscribeToPersistentSubscriptionToStream(stream, 'nope'))).rejects.toThrow(message);
  });

  test('maxSubscriberCount: one more subscriber is refused with maximum subscribers reached', async () => {
    const stream = uniqueStream('max');
    await client.createPersistentSubscriptionToStream(stream, 'g', settings({ maxSubscriberCount: 1 }));
    const first = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g'));
    const error = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistentSubscriptionMaximumSubscribersReachedError);
    expect((error as Error).message).toContain(`Maximum subscriptions reached for subscription group g on stream ${stream}.`);
    await first.subscription.unsubscribe();
  });

  test('updating a group drops its subscribers', async () => {
    const stream = uniqueStream('dropped');
    await client.createPersistentSubscriptionToStream(stream, 'g', settings());
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g'));
    await client.updatePersistentSubscriptionToStream(stream, 'g', settings({ maxRetryCount: 1 }));
    await until(() => c.errors.length === 1, 'the drop');
    expect(c.errors[0]).toBeInstanceOf(PersistentSubscriptionDroppedError);
  });

  test('RestartSubsystem drops subscribers and keeps the groups', async () => {
    const stream = uniqueStream('restart');
    await client.createPersistentSubscriptionToStream(stream, 'g', settings({ startFrom: START }));
    const c = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g'));
    await client.restartPersistentSubscriptionSubsystem();
    await until(() => c.errors.length === 1, 'the drop');
    expect(c.errors[0]).toBeInstanceOf(PersistentSubscriptionDroppedError);
    const again = await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g'), (e) => void again.subscription.ack(e));
    await appendEvents(client, stream, 2);
    await until(() => again.received.length === 2, 'delivery after the restart');
    await again.subscription.unsubscribe();
  });

  test.each([
    ['historyBufferSize', { historyBufferSize: -1 }],
    ['liveBufferSize', { liveBufferSize: -1 }],
    ['maxRetryCount', { maxRetryCount: -3 }],
  ] as const)('a negative %s is INVALID_ARGUMENT naming the field', async (field, change) => {
    const error = (await client
      .createPersistentSubscriptionToStream(uniqueStream('bad'), 'g', settings(change))
      .catch((e: unknown) => e)) as ServiceError;
    expect(error.code).toBe(3);
    expect(error.message).toContain(`'${field}'`);
  });

  test('$all named as a stream is refused as on the real server', async () => {
    const error = await client.createPersistentSubscriptionToStream('$all', 'g', settings()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistentSubscriptionFailedError);
    expect((error as Error).message).toContain('Persistent subscriptions to $all are only supported over gRPC through gRPC clients');
  });

  test('readBatchSize not below historyBufferSize fails the create as on the real server', async () => {
    const stream = uniqueStream('batch');
    const error = await client
      .createPersistentSubscriptionToStream(stream, 'g', settings({ readBatchSize: 50, historyBufferSize: 50 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistentSubscriptionFailedError);
    expect((error as Error).message).toContain('ReadBatchSize may not be greater than or equal to BufferSize');
    await expect(client.getPersistentSubscriptionToStreamInfo(stream, 'g')).rejects.toThrow(PersistentSubscriptionDoesNotExistError);
  });

  describe('through the generated gRPC stubs (what the client cannot send)', () => {
    let stubs: PersistentSubscriptionsClient;
    beforeAll(() => {
      stubs = new PersistentSubscriptionsClient(`127.0.0.1:${emulator.port}`, credentials.createInsecure());
    });
    afterAll(() => stubs.close());

    const create = (stream: string, strategy: string): Promise<CreateResp> => {
      const request = new CreateReq();
      const options = new CreateReq.Options();
      const streamOptions = new CreateReq.StreamOptions();
      const identifier = new StreamIdentifier();
      identifier.setStreamName(Buffer.from(stream));
      streamOptions.setStreamIdentifier(identifier);
      streamOptions.setStart(new Empty());
      options.setStream(streamOptions);
      options.setGroupName('g');
      const s = new CreateReq.Settings();
      s.setHistoryBufferSize(500);
      s.setLiveBufferSize(500);
      s.setReadBatchSize(20);
      s.setMaxCheckpointCount(1000);
      s.setMinCheckpointCount(10);
      s.setMessageTimeoutMs(30_000);
      s.setCheckpointAfterMs(2_000);
      s.setConsumerStrategy(strategy);
      options.setSettings(s);
      request.setOptions(options);
      return new Promise((resolve, reject) => stubs.create(request, (error, response) => (error ? reject(error) : resolve(response))));
    };

    test('an unknown consumer strategy is INVALID_ARGUMENT naming it', async () => {
      const error = (await create(uniqueStream('strategy'), 'Random').catch((e: unknown) => e)) as ServiceError;
      expect(error.code).toBe(3);
      expect(error.details).toContain('Consumer strategy Random does not exist.');
    });

    test('PinnedByCorrelation keeps one correlation id on one consumer', async () => {
      const stream = uniqueStream('correlation');
      await create(stream, 'PinnedByCorrelation');
      expect((await client.getPersistentSubscriptionToStreamInfo(stream, 'g')).settings.consumerStrategyName).toBe('PinnedByCorrelation');
      const consumers: Collector[] = [];
      for (let i = 0; i < 3; i++)
        consumers.push(await collect(client.subscribeToPersistentSubscriptionToStream(stream, 'g', { bufferSize: 100 })));
      for (let saga = 0; saga < 9; saga++) await appendEvents(client, stream, 3, { $correlationId: `saga-${saga}` });
      await until(() => consumers.reduce((n, c) => n + c.received.length, 0) === 27, 'every event');
      const owner = new Map<string, number>();
      consumers.forEach((c, i) => {
        for (const e of c.received) {
          const saga = (e.event!.metadata as { $correlationId: string }).$correlationId;
          expect(owner.get(saga) ?? i).toBe(i);
          owner.set(saga, i);
        }
      });
      expect(owner.size).toBe(9);
      for (const c of consumers) await c.subscription.unsubscribe();
    });
  });
});
