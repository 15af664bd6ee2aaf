import { ReadResp } from '@eventstore/db-client/generated/streams_pb';
import type { RecordedEvent } from '../store/store';
import { readEventResponse } from './convert';
import { encodeReadEvent } from './read-event-encoding';

const base: RecordedEvent = {
  streamId: 'order-ü-42',
  revision: 0n,
  position: 29n,
  id: 'fbf4a1a1-b4a3-4dfe-a01f-ec52c34e16e4',
  type: 'OrderPlaced',
  contentType: 'application/json',
  data: Buffer.from('{"orderId":"42"}'),
  metadata: Buffer.from('{"$correlationId":"c"}'),
  created: 17642720000000000n,
};

describe('encodeReadEvent', () => {
  test.each<[string, RecordedEvent, boolean]>([
    ['a JSON event, string id', base, false],
    ['a JSON event, structured id', base, true],
    ['an id whose halves are negative int64s', { ...base, id: 'ffffffff-ffff-ffff-8000-000000000001' }, true],
    ['large numbers (a tombstone)', { ...base, revision: 9223372036854775807n, position: 2n ** 40n + 7n }, true],
    ['empty data and metadata', { ...base, data: new Uint8Array(0), metadata: new Uint8Array(0) }, false],
    ['a large binary payload', { ...base, contentType: 'application/octet-stream', data: Buffer.alloc(70_000, 7) }, false],
  ])('decodes to what google-protobuf builds: %s', (_label, event, structured) => {
    const decoded = ReadResp.deserializeBinary(encodeReadEvent(event, structured));
    expect(decoded.toObject()).toEqual(readEventResponse(event, structured).toObject());
  });
});
