/**
 * The well-known types the generated code uses. They come from google-protobuf, whose type
 * declarations only @eventstore/db-client's own tree can see, so they are typed here from
 * the generated declarations.
 */
import type { Status } from '@eventstore/db-client/generated/status_pb';
import type { BatchAppendResp } from '@eventstore/db-client/generated/streams_pb';

type GoogleEmptyMessage = NonNullable<Parameters<BatchAppendResp.Success['setNoStream']>[0]>;
type AnyMessage = NonNullable<Parameters<Status['setDetails']>[0]>;

const emptyModule = require('google-protobuf/google/protobuf/empty_pb') as { Empty: new () => GoogleEmptyMessage };
const anyModule = require('google-protobuf/google/protobuf/any_pb') as {
  Any: new () => AnyMessage & { pack(serialized: Uint8Array, name: string): void };
};

export const GoogleEmpty = emptyModule.Empty;

/** An Any holding a serialised message of the given full name (type URL type.googleapis.com/<name>). */
export function packAny(serialized: Uint8Array, typeName: string): AnyMessage {
  const any = new anyModule.Any();
  any.pack(serialized, typeName);
  return any;
}
