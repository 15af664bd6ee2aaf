/**
 * The user-defined projections of the node, as the server's ProjectionManager keeps them: each
 * is registered in `$projections-$all` (`$ProjectionCreated` / `$ProjectionDeleted`, data the
 * name) and defined by the last `$ProjectionUpdated` of `$projections-<name>` (query, mode,
 * enabled, emit), so a durable node brings them back and continues each from its checkpoint.
 * Transient projections live in memory only, as on the server.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store';
import { checkpointStream, type ProjectionConfig, type ProjectionMode, resultStream, UserProjection } from './user-projection';

const REGISTRY = '$projections-$all';
const definitionStream = (name: string) => `$projections-${name}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface PersistedDefinition {
  readonly query: string;
  readonly mode: ProjectionMode;
  readonly enabled: boolean;
  readonly emitEnabled: boolean;
}

export class ProjectionNotFoundError extends Error {
  constructor(readonly projection: string) {
    super(`Projection '${projection}' not found.`);
  }
}
export class ProjectionExistsError extends Error {
  constructor(readonly projection: string) {
    super(`Conflict: a projection named '${projection}' already exists.`);
  }
}
/** A request the projection's state does not allow (the server's OperationFailed). */
export class ProjectionOperationError extends Error {}

export interface ProjectionView {
  readonly name: string;
  readonly mode: ProjectionMode;
  readonly status: string;
  readonly reason: string;
  readonly position: string;
  readonly eventsProcessed: number;
  readonly enabled: boolean;
}

export class ProjectionManager {
  private readonly projections = new Map<string, { projection: UserProjection; enabled: boolean }>();

  constructor(
    private readonly store: Store,
    /** Whether user projections may run (`--run-projections all`). */
    readonly userProjectionsEnabled: boolean,
  ) {}

  /** Loads the persisted projections and starts the enabled ones. */
  load(): void {
    const names = new Set<string>();
    for (const event of this.store.readStream(REGISTRY, 0n, 'forwards', BigInt(Number.MAX_SAFE_INTEGER))) {
      const name = decoder.decode(event.data);
      if (event.type === '$ProjectionCreated') names.add(name);
      if (event.type === '$ProjectionDeleted') names.delete(name);
    }
    for (const name of names) {
      const stream = definitionStream(name);
      const last = this.store.streamState(stream).lastRevision;
      const event = last === undefined ? undefined : this.store.readStream(stream, last, 'backwards', 1n)[0];
      if (!event) continue;
      const definition = JSON.parse(decoder.decode(event.data)) as PersistedDefinition;
      const projection = new UserProjection(this.store, { name, ...definition });
      this.projections.set(name, { projection, enabled: definition.enabled });
      if (definition.enabled && this.userProjectionsEnabled) projection.start();
    }
  }

  async create(config: ProjectionConfig): Promise<void> {
    this.requireEnabled();
    if (this.projections.has(config.name)) throw new ProjectionExistsError(config.name);
    const projection = new UserProjection(this.store, config);
    this.projections.set(config.name, { projection, enabled: true });
    if (config.mode !== 'Transient') {
      await this.append(REGISTRY, '$ProjectionCreated', encoder.encode(config.name), 'application/octet-stream');
      await this.persist(config, true);
    }
    projection.start();
  }

  async update(name: string, query: string, emitEnabled: boolean | undefined): Promise<void> {
    const entry = this.get(name);
    const wasRunning = entry.projection.status === 'Running';
    await entry.projection.stop();
    entry.projection.dispose();
    const config: ProjectionConfig = { ...entry.projection.config, query, emitEnabled: emitEnabled ?? entry.projection.config.emitEnabled };
    const projection = new UserProjection(this.store, config);
    this.projections.set(name, { projection, enabled: entry.enabled });
    if (config.mode !== 'Transient') await this.persist(config, entry.enabled);
    if (wasRunning || entry.enabled) projection.start();
  }

  async enable(name: string): Promise<void> {
    this.requireEnabled();
    const entry = this.get(name);
    entry.enabled = true;
    if (entry.projection.config.mode !== 'Transient') await this.persist(entry.projection.config, true);
    entry.projection.start();
  }

  async disable(name: string, writeCheckpoint: boolean): Promise<void> {
    const entry = this.get(name);
    entry.enabled = false;
    await entry.projection.stop(writeCheckpoint);
    if (entry.projection.config.mode !== 'Transient') await this.persist(entry.projection.config, false);
  }

  /** Processes the whole source again from an empty state; a running projection restarts. */
  async reset(name: string): Promise<void> {
    const entry = this.get(name);
    const wasRunning = entry.projection.status === 'Running';
    await entry.projection.stop(false);
    entry.projection.reset();
    if (this.store.streamState(checkpointStream(name)).lastRevision !== undefined)
      await this.store.delete(checkpointStream(name), { kind: 'any' });
    if (wasRunning) entry.projection.start();
  }

  async delete(name: string, options: { deleteCheckpointStream: boolean; deleteStateStream: boolean }): Promise<void> {
    const entry = this.get(name);
    // CoreProjection: only a stopped or faulted projection can be deleted.
    if (entry.projection.status === 'Running') {
      throw new ProjectionOperationError("Cannot delete a projection that hasn't been stopped or faulted.");
    }
    this.projections.delete(name);
    entry.projection.dispose();
    if (entry.projection.config.mode !== 'Transient') {
      await this.append(REGISTRY, '$ProjectionDeleted', encoder.encode(name), 'application/octet-stream');
      await this.deleteIfPresent(definitionStream(name));
    }
    if (options.deleteCheckpointStream) await this.deleteIfPresent(checkpointStream(name));
    if (options.deleteStateStream) await this.deleteIfPresent(resultStream(name, ''));
  }

  view(name: string): ProjectionView {
    const { projection, enabled } = this.get(name);
    const status = projection.status === 'Completed' ? 'Completed/Stopped' : projection.status;
    return {
      name,
      mode: projection.config.mode,
      status,
      reason: projection.reason,
      position: projection.positionText,
      eventsProcessed: projection.eventsProcessed,
      enabled,
    };
  }

  names(mode?: ProjectionMode): string[] {
    return [...this.projections.entries()].filter(([, e]) => mode === undefined || e.projection.config.mode === mode).map(([n]) => n);
  }

  state(name: string, partition: string): string | undefined {
    return this.get(name).projection.stateOf(partition);
  }

  result(name: string, partition: string): Promise<string | undefined> {
    return this.get(name).projection.resultOf(partition);
  }

  has(name: string): boolean {
    return this.projections.has(name);
  }

  /** Restarts the subsystem: every projection stops (checkpointed) and the persisted ones load again. */
  async restart(): Promise<void> {
    await this.close();
    this.projections.clear();
    this.load();
  }

  /** Stops every projection (checkpointed) and ends their workers. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.projections.values()].map(async (e) => {
        await e.projection.stop(true);
        e.projection.dispose();
      }),
    );
  }

  private requireEnabled(): void {
    if (!this.userProjectionsEnabled) {
      throw new ProjectionOperationError(
        'User projections do not run on this node: start it with --run-projections all (runProjections: "all").',
      );
    }
  }

  private get(name: string): { projection: UserProjection; enabled: boolean } {
    const entry = this.projections.get(name);
    if (!entry) throw new ProjectionNotFoundError(name);
    return entry;
  }

  private async persist(config: ProjectionConfig, enabled: boolean): Promise<void> {
    const definition: PersistedDefinition = { query: config.query, mode: config.mode, enabled, emitEnabled: config.emitEnabled };
    await this.append(definitionStream(config.name), '$ProjectionUpdated', encoder.encode(JSON.stringify(definition)), 'application/json');
  }

  private async append(stream: string, type: string, data: Uint8Array, contentType: string): Promise<void> {
    const outcome = await this.store.append(stream, { kind: 'any' }, [
      { id: randomUUID(), type, contentType, data, metadata: new Uint8Array() },
    ]);
    if (outcome.kind !== 'success') throw new Error(`writing ${stream}: ${outcome.kind}`);
  }

  private async deleteIfPresent(stream: string): Promise<void> {
    if (this.store.streamState(stream).lastRevision !== undefined) await this.store.delete(stream, { kind: 'any' });
  }
}
