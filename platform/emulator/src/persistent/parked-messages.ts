import { randomUUID } from 'node:crypto';
import type { RecordedEvent, Store } from '../store/store';
import type { ResolvedEvent } from './messages';
import { parkedMessageMetadata } from './parked-metadata';
import { appendSystemEvent, bookkeepingAcl, parkedStream, writeStreamMetadata } from './system-streams';

const encoder = new TextEncoder();
/** Parked messages are replayed in reads of this many. */
const REPLAY_READ_COUNT = 500n;

/**
 * One group's parked-message stream, as EventStoreDB's PersistentSubscriptionMessageParker:
 * parking appends a link (`$>`, `N@stream`) with the reason in its metadata; a replay reads
 * the links back (resolved) and the stream is truncated with `$tb` past them.
 *
 * Unlike the real server, which truncates as soon as the replay is read, the truncation only
 * passes a replayed message once it is settled: until then it stays in the stream, so a crash
 * before its ack leaves it parked instead of losing it.
 */
export class ParkedMessages {
  readonly stream: string;
  private parkedCount = 0;
  /** Links below this revision were taken by a replay (settled or still in flight). */
  private replayedBefore = 0n;
  /** Parked-stream revisions of replayed messages not yet settled. */
  private readonly inFlight = new Set<bigint>();
  private truncatedBefore = 0n;
  private truncationWanted = false;
  private truncating = false;
  private truncation: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    groupId: string,
  ) {
    this.stream = parkedStream(groupId);
    this.parkedCount = this.readVisible().length;
  }

  /** Parked and not being replayed. */
  get count(): number {
    return this.parkedCount;
  }

  async park(resolved: ResolvedEvent, reason: string): Promise<void> {
    const target = resolved.event;
    const data = target === undefined ? resolved.original.data : encoder.encode(`${target.revision}@${target.streamId}`);
    await appendSystemEvent(this.store, this.stream, {
      id: randomUUID(),
      type: '$>',
      contentType: 'application/octet-stream',
      data,
      metadata: encoder.encode(parkedMessageMetadata(new Date(), reason, resolved.original.revision)),
    });
    this.parkedCount++;
  }

  /**
   * The parked messages to replay, oldest first, stopping before parked-stream revision `stopAt`
   * when given; those a previous replay still has in flight are not taken twice.
   */
  takeForReplay(stopAt: bigint | undefined): ResolvedEvent[] {
    const links = this.readVisible().filter(
      (link) => link.revision >= this.replayedBefore && (stopAt === undefined || link.revision < stopAt),
    );
    if (links.length === 0) return [];
    for (const link of links) this.inFlight.add(link.revision);
    this.replayedBefore = links[links.length - 1]!.revision + 1n;
    this.parkedCount = Math.max(0, this.parkedCount - links.length);
    return links.map((link) => this.resolve(link));
  }

  /** A replayed message was settled (acked, skipped, or parked again): the stream may be truncated past it. */
  replayed(message: ResolvedEvent): void {
    if (message.original.streamId !== this.stream || !this.inFlight.delete(message.original.revision)) return;
    this.truncationWanted = true;
    if (!this.truncating) {
      this.truncating = true;
      this.truncation = this.truncate();
    }
  }

  /** Writes `$tb` up to the lowest replayed message still unsettled; one write at a time, the newest target last. */
  private async truncate(): Promise<void> {
    try {
      while (this.truncationWanted) {
        this.truncationWanted = false;
        let target = this.replayedBefore;
        for (const revision of this.inFlight) if (revision < target) target = revision;
        if (target <= this.truncatedBefore) continue;
        await writeStreamMetadata(this.store, this.stream, { $tb: Number(target), $acl: bookkeepingAcl('$admins') });
        this.truncatedBefore = target;
      }
    } catch {
      // A store that is closing refuses writes: the messages stay parked, which loses nothing.
    } finally {
      this.truncating = false;
    }
  }

  /** Soft-deletes the stream (the group was deleted), as the real server does. */
  async delete(): Promise<void> {
    await this.truncation;
    await this.store.delete(this.stream, { kind: 'any' });
    this.parkedCount = 0;
    this.inFlight.clear();
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
