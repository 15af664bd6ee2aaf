import { ReadResp } from '@eventstore/db-client/generated/persistent_pb';
import type { RecordedEvent } from '../store/store';
import { newMessage, retriedMessage } from './messages';
import { encodeEventResponse } from './read-response-encoding';

const record = (changes: Partial<RecordedEvent>): RecordedEvent => ({
  streamId: 'order-1',
  revision: 7n,
  position: 123456789012n,
  id: '5b0a3d9e-7d6c-4a55-9a51-0b8c2f9a1e11',
  type: 'OrderCreated',
  contentType: 'application/json',
  data: new TextEncoder().encode('{"total":12}'),
  metadata: new TextEncoder().encode('{"$correlationId":"c"}'),
  created: 17641234567890123n,
  ...changes,
});

describe('encodeEventResponse', () => {
  test('decodes with the generated ReadResp to the same event, position and retry count', () => {
    const event = record({});
    const message = retriedMessage(newMessage({ event, link: undefined, original: event }, event.revision));
    const decoded = ReadResp.deserializeBinary(encodeEventResponse(message)).getEvent()!;
    expect(decoded.getRetryCount()).toBe(1);
    expect(decoded.getCommitPosition()).toBe('123456789012');
    expect(decoded.hasLink()).toBe(false);
    const e = decoded.getEvent()!;
    expect(e.getId()!.getString()).toBe(event.id);
    expect(Buffer.from(e.getStreamIdentifier()!.getStreamName_asU8()).toString()).toBe('order-1');
    expect([e.getStreamRevision(), e.getCommitPosition(), e.getPreparePosition()]).toEqual(['7', '123456789012', '123456789012']);
    expect(Object.fromEntries(e.getMetadataMap().entries())).toEqual({
      type: 'OrderCreated',
      created: '17641234567890123',
      'content-type': 'application/json',
    });
    expect(Buffer.from(e.getData_asU8()).toString()).toBe('{"total":12}');
    expect(Buffer.from(e.getCustomMetadata_asU8()).toString()).toBe('{"$correlationId":"c"}');
  });

  test('a resolved link carries both records at the link position', () => {
    const target = record({ position: 10n });
    const link = record({ streamId: 'links', revision: 0n, position: 99n, id: '6b0a3d9e-7d6c-4a55-9a51-0b8c2f9a1e12', type: '$>' });
    const decoded = ReadResp.deserializeBinary(encodeEventResponse(newMessage({ event: target, link, original: link }, 0n))).getEvent()!;
    expect(decoded.getEvent()!.getCommitPosition()).toBe('99');
    expect(decoded.getLink()!.getId()!.getString()).toBe(link.id);
    expect(decoded.getRetryCount()).toBe(0);
  });
});
