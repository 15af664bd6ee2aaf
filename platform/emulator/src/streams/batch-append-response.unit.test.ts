import { AllStreamPosition, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { BatchAppendResp } from '@eventstore/db-client/generated/streams_pb';
import { encodeAppendSuccess } from './batch-append-response';
import { GoogleEmpty } from './google-protobuf';

/** The same answer built and serialized by google-protobuf, as batch-append.ts did before. */
function generated(correlationId: string, streamName: string, nextRevision: bigint, position: bigint): Buffer {
  const success = new BatchAppendResp.Success();
  if (nextRevision < 0n) success.setNoStream(new GoogleEmpty());
  else success.setCurrentRevision(nextRevision.toString());
  success.setPosition(new AllStreamPosition().setCommitPosition(position.toString()).setPreparePosition(position.toString()));
  const response = new BatchAppendResp()
    .setCorrelationId(new UUID().setString(correlationId))
    .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(streamName, 'utf8')))
    .setSuccess(success);
  return Buffer.from(response.serializeBinary());
}

const ID = '2f0c1c4e-8c4b-4d8e-9a51-7f3b2a1d0e9c';

test.each([
  { name: 'a first event', stream: 'order-1', revision: 0n, position: 4_321n },
  { name: 'a later event at a large position', stream: 'inventory-load-3', revision: 1_234_567n, position: 9_876_543_210n },
  { name: 'the largest revision and position', stream: 's', revision: 2n ** 64n - 2n, position: 2n ** 64n - 1n },
  { name: 'an empty append to a stream without events (no_stream)', stream: 'empty', revision: -1n, position: 16n },
  { name: 'position zero (left out, as google-protobuf leaves out zeros)', stream: 'zero', revision: 5n, position: 0n },
  {
    name: 'a stream name of multi-byte characters, long enough for a two-byte length',
    stream: `ü-${'ß'.repeat(100)}`,
    revision: 7n,
    position: 300n,
  },
])('$name: the same bytes as the generated serializer', ({ stream, revision, position }) => {
  expect(encodeAppendSuccess(ID, stream, revision, position).toString('hex')).toBe(
    generated(ID, stream, revision, position).toString('hex'),
  );
});
