/**
 * The records a real single node writes to its log at start, so that a fresh emulator's `$all`
 * is never empty and code that takes "the first event of `$all`" as a start position behaves
 * as against a real node:
 * - EpochManager.WriteEpochInformationWithRetry: each time the node becomes leader (every start
 *   of a single node) it writes an `$epoch-information` event to the `$epoch-information` stream,
 *   expected version one past the previous epoch's, data the epoch record as JSON.
 * - TFChunkScavengerLogManager.Initialise (SetScavengeStreamMetadata): once, `$$$scavenges` gets
 *   `{"$maxAge": <ScavengeHistoryMaxAge>}`, 30 days by default.
 */
import { randomUUID } from 'node:crypto';
import type { RecordedEvent, Store } from '../store/store';

export const EPOCH_INFORMATION_STREAM = '$epoch-information';
const EPOCH_INFORMATION_TYPE = '$epoch-information';
const SCAVENGES_METASTREAM = '$$$scavenges';
/** ClusterVNodeOptions.Database.ScavengeHistoryMaxAge: 30 days, in seconds as `$maxAge` takes it. */
const SCAVENGE_HISTORY_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

const encoder = new TextEncoder();

interface EpochRecordJson {
  readonly epochPosition: number;
  readonly epochNumber: number;
  readonly epochId: string;
  readonly prevEpochPosition: number;
  readonly timeStamp: string;
  readonly leaderInstanceId: string;
}

function lastEvent(store: Store, stream: string): RecordedEvent | undefined {
  const last = store.streamState(stream).lastRevision;
  return last === undefined ? undefined : store.readStream(stream, last, 'backwards', 1n)[0];
}

function previousEpoch(event: RecordedEvent | undefined): EpochRecordJson | undefined {
  if (!event) return undefined;
  try {
    return JSON.parse(Buffer.from(event.data).toString('utf8')) as EpochRecordJson;
  } catch {
    return undefined;
  }
}

/** Writes this start's epoch information (and, on a new database, the `$scavenges` metadata). */
export async function writeStartEvents(store: Store, instanceId: string, now: Date = new Date()): Promise<void> {
  const last = lastEvent(store, EPOCH_INFORMATION_STREAM);
  const previous = previousEpoch(last);
  const epoch: EpochRecordJson = {
    epochPosition: Number(store.headPosition()),
    epochNumber: previous === undefined ? 0 : previous.epochNumber + 1,
    epochId: randomUUID(),
    prevEpochPosition: previous === undefined ? -1 : previous.epochPosition,
    timeStamp: now.toISOString(),
    leaderInstanceId: instanceId,
  };
  const written = await store.append(
    EPOCH_INFORMATION_STREAM,
    last === undefined ? { kind: 'no_stream' } : { kind: 'revision', revision: last.revision },
    [
      {
        id: randomUUID(),
        type: EPOCH_INFORMATION_TYPE,
        contentType: 'application/json',
        data: encoder.encode(JSON.stringify(epoch)),
        metadata: new Uint8Array(),
      },
    ],
  );
  if (written.kind !== 'success') throw new Error(`writing ${EPOCH_INFORMATION_STREAM}: ${written.kind}`);

  if (store.streamState(SCAVENGES_METASTREAM).lastRevision === undefined) {
    const metadata = await store.append(SCAVENGES_METASTREAM, { kind: 'no_stream' }, [
      {
        id: randomUUID(),
        type: '$metadata',
        contentType: 'application/json',
        data: encoder.encode(JSON.stringify({ $maxAge: SCAVENGE_HISTORY_MAX_AGE_SECONDS })),
        metadata: new Uint8Array(),
      },
    ]);
    if (metadata.kind !== 'success') throw new Error(`writing ${SCAVENGES_METASTREAM}: ${metadata.kind}`);
  }
}
