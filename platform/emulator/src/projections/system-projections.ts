/**
 * Runs the standard projections over `$all` as the real server's projection subsystem does:
 * behind the log, in their own writes, each emitted event carrying the position of the event
 * that caused it (`$c` / `$p`, CheckpointTag.ToJsonBytes) so that a restart can tell what was
 * already written (EmittedStream's recovery). One pass over `$all` feeds every enabled system
 * projection; each keeps its own checkpoint stream.
 */
import { randomUUID } from 'node:crypto';
import type { ProposedEvent, RecordedEvent, Store } from '../store/store';
import { type Emission, emissionOf, type SystemProjectionName } from './standard-projections';

/** Records read from `$all` at a time: one page's links go out as one append per target stream. */
const PAGE = 1024;
/**
 * Records processed between checkpoints: the real server checkpoints a projection after
 * `CheckpointHandledThreshold` events (4000 by default for the standard projections).
 */
const CHECKPOINT_AFTER = 4000;
/**
 * How long the projections let appends gather after being woken: one page's links go out as
 * one append per target stream, so under a trickle of small appends this turns two or three
 * extra appends per user append into two or three per window (the server's emitted streams
 * also write in batches, up to 500 events per write).
 */
const GATHER_MS = 20;
/** ProjectionEventTypes.ProjectionCheckpoint. */
const CHECKPOINT_TYPE = '$ProjectionCheckpoint';
/** The `$v` the server writes for a projection that was never reset: id 1, no epoch, version 1, system version 1. */
const PROJECTION_VERSION = '1:-1:1:1';

export const checkpointStreamOf = (projection: string): string => `$projections-${projection}-checkpoint`;

export interface SystemProjectionsStatus {
  /** The `$all` position every enabled projection has processed up to (exclusive). */
  readonly position: bigint;
  /** Why the projections stopped, when a write failed. */
  readonly fault: string | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The emitted event's metadata, as JSON.stringify would write
 * `{ $v, $c, $p, ...extra, $causedBy }`, built as text: it is made for every link.
 */
function metadataOf(emission: Emission, cause: RecordedEvent): Uint8Array {
  const at = String(cause.position);
  let json = `{"$v":"${PROJECTION_VERSION}","$c":${at},"$p":${at}`;
  for (const key in emission.extra) json += `,${JSON.stringify(key)}:${JSON.stringify(emission.extra[key])}`;
  return Buffer.from(`${json},"$causedBy":${JSON.stringify(cause.id)}}`, 'utf8');
}

/** The position of the event that caused an emitted event, from its `$c`; undefined when absent. */
function causedAt(record: RecordedEvent | undefined): bigint | undefined {
  if (!record || record.metadata.byteLength === 0) return undefined;
  try {
    const parsed = JSON.parse(decoder.decode(record.metadata)) as { $c?: unknown };
    return typeof parsed.$c === 'number' ? BigInt(parsed.$c) : undefined;
  } catch {
    return undefined;
  }
}

export class SystemProjections {
  private position = 0n;
  private fault: string | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private dirty = true;
  private sinceCheckpoint = 0;
  /** Per emitted stream, the position of the last event that wrote to it (recovery skips what is at or before it). */
  private readonly lastCause = new Map<string, bigint>();
  private readonly waiters: { readonly position: bigint; readonly resolve: () => void }[] = [];
  private readonly unsubscribe: () => void;
  private readonly running: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly projections: readonly SystemProjectionName[],
  ) {
    this.position = this.restoredPosition();
    this.unsubscribe = store.onAppended(() => {
      this.dirty = true;
      this.wake?.();
    });
    this.running = this.run();
  }

  status(): SystemProjectionsStatus {
    return { position: this.position, fault: this.fault };
  }

  /** Resolves once every record before `position` has been processed (or the projections stopped). */
  caughtUpTo(position: bigint): Promise<void> {
    if (this.position >= position || this.closed || this.fault !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  /** Stops after the page in progress and writes a last checkpoint, so a durable restart rescans nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.wake?.();
    await this.running;
    if (this.fault === undefined && this.sinceCheckpoint > 0) await this.checkpoint().catch(() => {});
    this.releaseWaiters(true);
  }

  /** The lowest checkpoint of the enabled projections: each may have been checkpointed apart. */
  private restoredPosition(): bigint {
    let lowest: bigint | undefined;
    for (const projection of this.projections) {
      const stream = checkpointStreamOf(projection);
      const last = this.store.streamState(stream).lastRevision;
      const event = last === undefined ? undefined : this.store.readStream(stream, last, 'backwards', 1n)[0];
      let at = 0n;
      if (event) {
        try {
          const tag = JSON.parse(decoder.decode(event.data)) as { $c?: unknown };
          if (typeof tag.$c === 'number') at = BigInt(tag.$c);
        } catch {
          at = 0n;
        }
      }
      lowest = lowest === undefined || at < lowest ? at : lowest;
    }
    return lowest ?? 0n;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      this.dirty = false;
      const page = this.store.readAll(this.position, 'forwards', BigInt(PAGE));
      if (page.length > 0) {
        try {
          await this.process(page);
        } catch (error) {
          // The store refused a write (it is closing or failed): the server faults the projection.
          this.fault = error instanceof Error ? error.message : String(error);
          this.releaseWaiters(true);
          return;
        }
        this.position = page[page.length - 1]!.position + 1n;
        this.releaseWaiters(false);
        continue;
      }
      if (!this.dirty && !this.closed) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        if (!this.closed) await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
      }
    }
  }

  /**
   * Writes the page's links, and the checkpoints when one is due, in one emitted write: one
   * log record and one group commit however many streams they go to.
   */
  private async process(page: readonly RecordedEvent[]): Promise<void> {
    const writes = new Map<string, ProposedEvent[]>();
    for (const record of page) {
      for (const projection of this.projections) {
        const emission = emissionOf(projection, record);
        if (emission === undefined || this.alreadyWritten(emission.stream, record.position)) continue;
        let events = writes.get(emission.stream);
        if (!events) {
          events = [];
          writes.set(emission.stream, events);
        }
        events.push({
          id: randomUUID(),
          type: emission.type,
          contentType: emission.isJson ? 'application/json' : 'application/octet-stream',
          // Buffer.from slices small buffers out of a shared pool: no ArrayBuffer of its own per link.
          data: Buffer.from(emission.data, 'utf8'),
          metadata: metadataOf(emission, record),
        });
        this.lastCause.set(emission.stream, record.position);
      }
    }
    this.sinceCheckpoint += page.length;
    const checkpointDue = this.sinceCheckpoint >= CHECKPOINT_AFTER;
    // The checkpoint follows the links in the same record: never one without the other.
    if (checkpointDue) this.addCheckpoints(writes, page[page.length - 1]!.position + 1n);
    // The projection owns its streams; `any` as EmittedStream writes after its own recovery read.
    await this.store.appendEmitted(writes);
    if (checkpointDue) this.sinceCheckpoint = 0;
  }

  /** Whether an earlier run already wrote this record's event to `stream` (EmittedStream's recovery check). */
  private alreadyWritten(stream: string, position: bigint): boolean {
    let last = this.lastCause.get(stream);
    if (last === undefined) {
      const revision = this.store.streamState(stream).lastRevision;
      const event = revision === undefined ? undefined : this.store.readStream(stream, revision, 'backwards', 1n)[0];
      last = causedAt(event) ?? -1n;
      this.lastCause.set(stream, last);
    }
    return position <= last;
  }

  private async checkpoint(): Promise<void> {
    const writes = new Map<string, ProposedEvent[]>();
    this.addCheckpoints(writes, this.position);
    await this.store.appendEmitted(writes);
    this.sinceCheckpoint = 0;
  }

  private addCheckpoints(writes: Map<string, ProposedEvent[]>, at: bigint): void {
    const tag = encoder.encode(JSON.stringify({ $c: Number(at), $p: Number(at) }));
    const metadata = encoder.encode(JSON.stringify({ $v: PROJECTION_VERSION, $s: {} }));
    for (const projection of this.projections) {
      writes.set(checkpointStreamOf(projection), [
        { id: randomUUID(), type: CHECKPOINT_TYPE, contentType: 'application/json', data: tag, metadata },
      ]);
    }
  }

  private releaseWaiters(all: boolean): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (all || waiter.position <= this.position) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}
