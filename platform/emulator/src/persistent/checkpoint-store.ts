import type { Store } from '../store/store';
import { formatPosition, parsePosition, type SourceKind } from './position';
import { appendSystemEvent, bookkeepingAcl, checkpointStream, jsonEvent, lastEvent, writeStreamMetadata } from './system-streams';

/** The real server's checkpoint event type; the data is the position as a JSON string. */
const CHECKPOINT_EVENT_TYPE = '$SubscriptionCheckpoint';
/** The real server keeps the last two checkpoints ($maxCount 2 on the checkpoint stream). */
const CHECKPOINTS_KEPT = 2;

/**
 * Reads and writes one group's checkpoint stream. Writes never queue up: while one is in
 * flight only the newest position waits, so a burst of acks costs at most two appends.
 */
export class CheckpointStore {
  private readonly stream: string;
  private pending: bigint | undefined;
  private writing: Promise<void> | undefined;
  private metadataWritten = false;

  constructor(
    private readonly store: Store,
    groupId: string,
    private readonly kind: SourceKind,
  ) {
    this.stream = checkpointStream(groupId);
  }

  load(): bigint | undefined {
    const event = lastEvent(this.store, this.stream);
    if (event === undefined) return undefined;
    try {
      const text: unknown = JSON.parse(Buffer.from(event.data).toString('utf8'));
      return typeof text === 'string' ? parsePosition(this.kind, text) : undefined;
    } catch {
      return undefined;
    }
  }

  write(position: bigint): void {
    this.pending = position;
    this.writing ??= this.drain();
  }

  /** Resolves once every requested checkpoint is in the store. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  /** Forgets the checkpoint (a deleted group starts afresh if it is created again). */
  async delete(): Promise<void> {
    await this.flush();
    // As the real server: the checkpoint stream is soft-deleted.
    await this.store.delete(this.stream, { kind: 'any' });
    this.metadataWritten = false;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending !== undefined) {
        const position = this.pending;
        this.pending = undefined;
        try {
          if (!this.metadataWritten) {
            await writeStreamMetadata(this.store, this.stream, { $maxCount: CHECKPOINTS_KEPT, $acl: bookkeepingAcl('$all') });
            this.metadataWritten = true;
          }
          await appendSystemEvent(this.store, this.stream, jsonEvent(CHECKPOINT_EVENT_TYPE, formatPosition(this.kind, position)));
        } catch {
          // A store that is closing refuses writes; the next checkpoint (or a restart from the previous one) covers it.
          return;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
