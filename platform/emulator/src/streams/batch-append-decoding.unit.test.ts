import { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { BatchAppendReq } from '@eventstore/db-client/generated/streams_pb';
import { decodeBatchAppendReq } from './batch-append-decoding';
import { canonicalUuid, uuidMessage } from './convert';
import { GoogleEmpty } from './google-protobuf';

const timestampModule = require('google-protobuf/google/protobuf/timestamp_pb') as {
  Timestamp: { fromDate(date: Date): NonNullable<Parameters<BatchAppendReq.Options['setDeadline']>[0]> };
};

function message(id: UUID, type: string | undefined, data: string): BatchAppendReq.ProposedMessage {
  const m = new BatchAppendReq.ProposedMessage().setId(id).setData(Buffer.from(data)).setCustomMetadata(Buffer.from('{"m":1}'));
  if (type !== undefined) m.getMetadataMap().set('type', type);
  m.getMetadataMap().set('content-type', 'application/json');
  m.getMetadataMap().set('other', 'ignored');
  return m;
}

describe('decodeBatchAppendReq', () => {
  test('reads what google-protobuf writes: options, structured and string ids, maps, bytes, deadline', () => {
    const correlation = 'ffffffff-ffff-ffff-8000-000000000001';
    const eventId = '3f1a2b3c-4d5e-4f60-8172-93a4b5c6d7e8';
    const deadline = new Date('2030-01-02T03:04:05.678Z');
    const req = new BatchAppendReq()
      .setCorrelationId(uuidMessage(correlation, true))
      .setOptions(
        new BatchAppendReq.Options()
          .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from('order-ü')))
          .setStreamPosition('18446744073709551615')
          .setDeadline(timestampModule.Timestamp.fromDate(deadline)),
      )
      .setIsFinal(true);
    req.addProposedMessages(message(new UUID().setString(eventId), 'Placed', '{"a":1}'));
    req.addProposedMessages(message(uuidMessage(eventId, true), undefined, ''));

    const decoded = decodeBatchAppendReq(req.serializeBinary());
    expect(canonicalUuid(decoded.correlationId?.text, 'c')).toBe(correlation);
    expect(decoded.options).toEqual({
      streamName: Buffer.from('order-ü'),
      expected: 'revision',
      revision: '18446744073709551615',
      deadline: deadline.getTime(),
    });
    expect(decoded.isFinal).toBe(true);
    expect(decoded.messages.map((m) => canonicalUuid(m.id?.text, 'id'))).toEqual([eventId, eventId]);
    expect(decoded.messages.map((m) => [m.type, m.contentType])).toEqual([
      ['Placed', 'application/json'],
      [undefined, 'application/json'],
    ]);
    expect(Buffer.from(decoded.messages[0]!.data).toString()).toBe('{"a":1}');
    expect(decoded.messages[1]!.data).toHaveLength(0);
    expect(Buffer.from(decoded.messages[0]!.customMetadata).toString()).toBe('{"m":1}');
  });

  test.each([
    ['any', (o: BatchAppendReq.Options) => o.setAny(new GoogleEmpty())],
    ['no_stream', (o: BatchAppendReq.Options) => o.setNoStream(new GoogleEmpty())],
    ['stream_exists', (o: BatchAppendReq.Options) => o.setStreamExists(new GoogleEmpty())],
  ])('reads expected state %s', (expected, set) => {
    const req = new BatchAppendReq().setOptions(set(new BatchAppendReq.Options()));
    expect(decodeBatchAppendReq(req.serializeBinary()).options?.expected).toBe(expected);
  });

  test('refuses a truncated message', () => {
    const bytes = new BatchAppendReq().setCorrelationId(new UUID().setString('3f1a2b3c-4d5e-4f60-8172-93a4b5c6d7e8')).serializeBinary();
    expect(() => decodeBatchAppendReq(bytes.subarray(0, bytes.length - 3))).toThrow(/overruns/);
  });
});
