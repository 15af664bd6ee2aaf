/**
 * One user-defined projection running over the log, as the server's CoreProjection does: reads
 * its source from its checkpoint, feeds each event to the query's handlers, keeps the state of
 * each partition, writes what the query emits (each event carrying the position that caused it,
 * so a restart does not write it twice), writes results when the query outputs its state, and
 * checkpoints (state and position) every CHECKPOINT_AFTER events and when it stops. An error in
 * the query's code, or a handler over its time budget, faults it with that message. A one-time
 * or transient projection stops (Completed) at the end of the log.
 */
import { randomUUID } from 'node:crypto';
import { LINK_TYPE, linkTarget } from '../store/links';
import type { ProposedEvent, RecordedEvent, Store } from '../store/store';
import { type ProjectionEvent, ProjectionFault, ProjectionSandbox } from './js/sandbox';
import { passesSource } from './standard-projections';

export type ProjectionMode = 'Continuous' | 'OneTime' | 'Transient';
export type RunStatus = 'Stopped' | 'Running' | 'Faulted' | 'Completed';

const PAGE = 512;
/** CheckpointHandledThreshold: the server's default for user projections. */
const CHECKPOINT_AFTER = 4000;
const CHECKPOINT_TYPE = '$ProjectionCheckpoint';
const RESULT_TYPE = 'Result';

export const checkpointStream = (name: string) => `$projections-${name}-checkpoint`;
export const resultStream = (name: string, partition: string) =>
  partition === '' ? `$projections-${name}-result` : `$projections-${name}-${partition}-result`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface ProjectionConfig {
  readonly name: string;
  readonly query: string;
  readonly mode: ProjectionMode;
  readonly emitEnabled: boolean;
}

interface Checkpoint {
  readonly position: string;
  readonly states: Record<string, string>;
}

export class UserProjection {
  status: RunStatus = 'Stopped';
  reason = '';
  eventsProcessed = 0;
  private position = 0n;
  private states = new Map<string, string>();
  private sandbox: ProjectionSandbox | undefined;
  private stopping = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private dirty = true;
  private sinceCheckpoint = 0;
  private readonly lastCause = new Map<string, bigint>();
  /** After a reset, what earlier runs wrote does not count: everything is written again. */
  private ignoreEarlierRuns = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    readonly config: ProjectionConfig,
  ) {}

  get positionText(): string {
    return `C:${this.position}/P:${this.position}`;
  }

  /** The partition's state (JSON text), as of what has been processed; `{}`-like initial state when none yet. */
  stateOf(partition: string): string | undefined {
    return this.states.get(partition);
  }

  async resultOf(partition: string): Promise<string | undefined> {
    const state = this.states.get(partition);
    if (state === undefined || !this.sandbox) return state;
    try {
      return await this.sandbox.result(state);
    } catch {
      return state;
    }
  }

  /** Starts (or resumes from the last checkpoint): compiles the query in a worker of its own, then runs. */
  start(): void {
    if (this.status === 'Running') return;
    this.stopping = false;
    this.reason = '';
    this.status = 'Running';
    this.unsubscribe = this.store.onAppended(() => {
      this.dirty = true;
      this.wake?.();
    });
    this.running = this.compileAndRun();
  }

  /** Ends the query's worker (a stopped projection keeps it to answer for its result until then). */
  dispose(): void {
    this.sandbox?.close();
    this.sandbox = undefined;
  }

  /** Stops after the event in progress; with `checkpoint`, writes the state and position first. */
  async stop(checkpoint = true): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (checkpoint && this.status === 'Running' && this.config.mode === 'Continuous') await this.writeCheckpoint().catch(() => {});
    if (this.status === 'Running') this.status = 'Stopped';
  }

  /** Forgets the state and position: the next start processes the whole source again. */
  reset(): void {
    this.position = 0n;
    this.states = new Map();
    this.eventsProcessed = 0;
    this.lastCause.clear();
    this.ignoreEarlierRuns = true;
  }

  private restore(): void {
    if (this.config.mode !== 'Continuous') return;
    const stream = checkpointStream(this.config.name);
    const last = this.store.streamState(stream).lastRevision;
    const event = last === undefined ? undefined : this.store.readStream(stream, last, 'backwards', 1n)[0];
    if (!event) return;
    const checkpoint = JSON.parse(decoder.decode(event.data)) as Checkpoint;
    this.position = BigInt(checkpoint.position);
    this.states = new Map(Object.entries(checkpoint.states));
  }

  private fault(error: unknown): void {
    this.status = 'Faulted';
    this.reason = error instanceof Error ? error.message : String(error);
  }

  private async compileAndRun(): Promise<void> {
    try {
      this.dispose();
      this.sandbox = await ProjectionSandbox.compile(this.config.query, this.config.name);
      this.restore();
    } catch (error) {
      this.fault(error);
      return;
    }
    await this.run();
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopping) {
        this.dirty = false;
        const page = this.store.readAll(this.position, 'forwards', BigInt(PAGE));
        for (const record of page) {
          if (this.stopping) return;
          await this.handle(record);
          this.position = record.position + 1n;
          if (++this.sinceCheckpoint >= CHECKPOINT_AFTER && this.config.mode === 'Continuous') await this.writeCheckpoint();
        }
        if (page.length === PAGE) continue;
        if (this.config.mode !== 'Continuous') {
          this.status = 'Completed';
          return;
        }
        if (!this.dirty && !this.stopping) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          this.wake = undefined;
        }
      }
    } catch (error) {
      this.fault(error);
    }
  }

  private selects(record: RecordedEvent): RecordedEvent | undefined {
    const definition = this.sandbox!.definition;
    const source = definition.source;
    if (source.kind === 'all') return passesSource(record, definition.includeLinks) ? record : undefined;
    // ReaderStrategy: fromCategory('order') reads the stream `$ce-order` that $by_category writes
    // (StreamPositionTagger on "$ce-" + category), with its links resolved as fromStream's are; so
    // the handlers get the original events, with the link's metadata as `linkMetadata`.
    const streams = source.kind === 'category' ? [`$ce-${source.category}`] : source.streams;
    if (!streams.includes(record.streamId)) return undefined;
    return record.type === LINK_TYPE && !definition.includeLinks ? linkTarget(this.store, record) : record;
  }

  private async handle(record: RecordedEvent): Promise<void> {
    const event = this.selects(record);
    if (!event) return;
    const definition = this.sandbox!.definition;
    if (definition.handledTypes !== undefined && !definition.handledTypes.includes(event.type)) return;
    const envelope = envelopeOf(event, record);
    const partition = definition.partitioning === 'none' ? '' : await this.sandbox!.partitionOf({ ...envelope, partition: '' });
    const before = this.states.get(partition) ?? (await this.sandbox!.initialState());
    const processed = await this.sandbox!.process(before, { ...envelope, partition });
    this.states.set(partition, processed.state);
    this.eventsProcessed++;
    const writes = new Map<string, ProposedEvent[]>();
    if (processed.emitted.length > 0 && !this.config.emitEnabled) {
      throw new ProjectionFault("'emit' is not allowed by the projection/configuration/mode");
    }
    for (const emitted of processed.emitted) {
      if (this.alreadyWritten(emitted.stream, record.position)) continue;
      const metadata = { ...(emitted.metadata ?? {}), $v: '1:-1:1:1', $c: Number(record.position), $p: Number(record.position) };
      this.add(writes, emitted.stream, {
        id: randomUUID(),
        type: emitted.type,
        contentType: emitted.kind === 'link' ? 'application/octet-stream' : 'application/json',
        data: encoder.encode(emitted.data),
        metadata: encoder.encode(JSON.stringify(metadata)),
      });
    }
    if (definition.outputState && processed.state !== before) {
      const stream = resultStream(this.config.name, partition);
      if (!this.alreadyWritten(stream, record.position)) {
        this.add(writes, stream, {
          id: randomUUID(),
          type: RESULT_TYPE,
          contentType: 'application/json',
          data: encoder.encode(await this.sandbox!.result(processed.state)),
          metadata: encoder.encode(JSON.stringify({ $v: '1:-1:1:1', $c: Number(record.position), $p: Number(record.position) })),
        });
      }
    }
    for (const [stream, events] of writes) {
      const outcome = await this.store.append(stream, { kind: 'any' }, events);
      if (outcome.kind !== 'success') throw new ProjectionFault(`writing ${stream}: ${outcome.kind}`);
      this.lastCause.set(stream, record.position);
    }
  }

  private add(writes: Map<string, ProposedEvent[]>, stream: string, event: ProposedEvent): void {
    const list = writes.get(stream) ?? [];
    list.push(event);
    writes.set(stream, list);
  }

  /** EmittedStream's recovery: an event caused at or before the stream's last `$c` was written by an earlier run. */
  private alreadyWritten(stream: string, position: bigint): boolean {
    let last = this.lastCause.get(stream);
    if (last === undefined && this.ignoreEarlierRuns) return false;
    if (last === undefined) {
      const revision = this.store.streamState(stream).lastRevision;
      const event = revision === undefined ? undefined : this.store.readStream(stream, revision, 'backwards', 1n)[0];
      last = -1n;
      try {
        const c = event ? (JSON.parse(decoder.decode(event.metadata)) as { $c?: unknown }).$c : undefined;
        if (typeof c === 'number') last = BigInt(c);
      } catch {
        last = -1n;
      }
      this.lastCause.set(stream, last);
    }
    return position <= last;
  }

  private async writeCheckpoint(): Promise<void> {
    this.sinceCheckpoint = 0;
    const checkpoint: Checkpoint = { position: this.position.toString(), states: Object.fromEntries(this.states) };
    const outcome = await this.store.append(checkpointStream(this.config.name), { kind: 'any' }, [
      {
        id: randomUUID(),
        type: CHECKPOINT_TYPE,
        contentType: 'application/json',
        data: encoder.encode(JSON.stringify(checkpoint)),
        metadata: encoder.encode(JSON.stringify({ $v: '1:-1:1:1', $c: Number(this.position), $p: Number(this.position) })),
      },
    ]);
    if (outcome.kind !== 'success') throw new ProjectionFault(`writing the checkpoint: ${outcome.kind}`);
  }
}

function text(data: Uint8Array): string {
  return decoder.decode(data);
}

/** The server's event envelope: `data` parsed when the event is JSON, raw text beside it. */
function envelopeOf(event: RecordedEvent, record: RecordedEvent): Omit<ProjectionEvent, 'partition'> {
  const isJson = event.contentType === 'application/json';
  const bodyRaw = text(event.data);
  let data: unknown = bodyRaw;
  if (isJson) {
    try {
      data = JSON.parse(bodyRaw);
    } catch {
      data = bodyRaw;
    }
  }
  return {
    isJson,
    data,
    bodyRaw,
    metadataRaw: text(event.metadata),
    linkMetadataRaw: record === event ? '' : text(record.metadata),
    sequenceNumber: Number(event.revision),
    streamId: event.streamId,
    eventType: event.type,
    eventId: event.id,
  };
}
