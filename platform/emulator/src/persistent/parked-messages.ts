import { randomUUID } from 'node:crypto';
import type { RecordedEvent, Store } from '../store/store';
import type { ResolvedEvent } from './messages';
import { appendSystemEvent, parkedStream, writeStreamMetadata } from './system-streams';

const encoder = new TextEncoder();
/** Parked messages are replayed in reads of this many. */
const REPLAY_READ_COUNT = 500n;

/**
 * One group's parked-message stream, as EventStoreDB's PersistentSubscriptionMessageParker:
 * parking appends a link (`$>`, `N@stream`) with the reason in its metadata; a replay reads
 * the links back (resolved) and then truncates the stream with `$tb` past what it replayed.
 */
export class ParkedMessages {
  readonly stream: string;
  private parkedCount = 0;

  constructor(
    private readonly store: Store,
    groupId: string,
  ) {
    this.stream = parkedStream(groupId);
    this.parkedCount = this.readVisible().length;
  }

  get count(): number {
    return this.parkedCount;
  }

  async park(resolved: ResolvedEvent, reason: string): Promise<void> {
    const target = resolved.event;
    const data = target === undefined ? resolved.original.data : encoder.encode(`${target.revision}@${target.streamId}`);
    const metadata = { added: new Date().toISOString(), reason, subscriptionEventNumber: Number(resolved.original.revision) };
    await appendSystemEvent(this.store, this.stream, {
      id: randomUUID(),
      type: '$>',
      contentType: 'application/octet-stream',
      data,
      metadata: encoder.encode(JSON.stringify(metadata)),
    });
    this.parkedCount++;
  }

  /**
   * The parked messages to replay, oldest first, stopping before parked-stream revision `stopAt`
   * when given; `done()` truncates the stream past them once they are queued for delivery.
   */
  takeForReplay(stopAt: bigint | undefined): { messages: ResolvedEvent[]; done: () => Promise<void> } {
    const links = this.readVisible().filter((link) => stopAt === undefined || link.revision < stopAt);
    const messages = links.map((link) => this.resolve(link));
    const done = async (): Promise<void> => {
      if (links.length === 0) return;
      await writeStreamMetadata(this.store, this.stream, { $tb: Number(links[links.length - 1]!.revision) + 1 });
      this.parkedCount = this.readVisible().length;
    };
    return { messages, done };
  }

  /** Soft-deletes the stream (the group was deleted), as the real server does. */
  async delete(): Promise<void> {
    await this.store.delete(this.stream, { kind: 'any' });
    this.parkedCount = 0;
  }

  private readVisible(): RecordedEvent[] {
    const out: RecordedEvent[] = [];
    let from = 0n;
    for (;;) {
      const page = this.store.readStream(this.stream, from, 'forwards', REPLAY_READ_COUNT);
      out.push(...page);
      if (BigInt(page.length) < REPLAY_READ_COUNT) return out;
      from = page[page.length - 1]!.revision + 1n;
    }
  }

  private resolve(link: RecordedEvent): ResolvedEvent {
    const text = Buffer.from(link.data).toString('utf8');
    const at = text.indexOf('@');
    const revision = at === -1 ? undefined : text.slice(0, at);
    let event: RecordedEvent | undefined;
    if (revision !== undefined && /^\d+$/.test(revision)) {
      const found = this.store.readStream(text.slice(at + 1), BigInt(revision), 'forwards', 1n)[0];
      if (found !== undefined && found.revision === BigInt(revision)) event = found;
    }
    return { event, link, original: link };
  }
}
