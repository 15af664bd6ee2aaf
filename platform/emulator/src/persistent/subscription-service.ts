import { UnsupportedRegexError } from '../filters/linear-regex';
import type { RecordedEvent, Store } from '../store/store';
import { ConfigStore, type GroupDefinition } from './config-store';
import { type EventFilter, EventSource } from './event-source';
import type { GroupSettings } from './settings';
import { SubscriptionGroup } from './subscription-group';

/** The real server's persistent-subscription timer ticks every second; a finer tick only makes timeouts more punctual. */
export const DEFAULT_TICK_MS = 200;

export class GroupExistsError extends Error {
  constructor(
    readonly source: string,
    readonly group: string,
  ) {
    super(`Subscription group ${group} on stream ${source} exists.`);
  }
}

export class GroupNotFoundError extends Error {
  constructor(
    readonly source: string,
    readonly group: string,
  ) {
    super(`Subscription group ${group} on stream ${source} does not exist.`);
  }
}

/**
 * All subscription groups (EventStoreDB's PersistentSubscriptionService): their
 * definitions in the store's config stream, the live feed from the store, and one
 * timer that sweeps every group for timeouts and time-based checkpoints.
 */
export class SubscriptionService {
  private readonly groups = new Map<string, SubscriptionGroup>();
  private readonly definitions = new Map<string, GroupDefinition>();
  private readonly config: ConfigStore;
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;
  private readonly knownSources = new Set<string>();
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    options: { readonly tickMs?: number } = {},
  ) {
    this.config = new ConfigStore(store);
    this.loadGroups();
    this.unsubscribe = store.onAppended((events) => this.onAppended(events));
    this.timer = setInterval(() => {
      for (const group of this.groups.values()) group.tick();
    }, options.tickMs ?? DEFAULT_TICK_MS);
    this.timer.unref();
  }

  get(source: string, group: string): SubscriptionGroup | undefined {
    return this.groups.get(key(source, group));
  }

  require(source: string, group: string): SubscriptionGroup {
    const found = this.get(source, group);
    if (found === undefined) throw new GroupNotFoundError(source, group);
    return found;
  }

  /** Groups on one source (or all of them), in the real server's order: by source, then creation. */
  list(source?: string): SubscriptionGroup[] {
    const all = [...this.groups.values()].filter((g) => source === undefined || g.source.name === source);
    return all.sort((a, b) => (a.source.name < b.source.name ? -1 : a.source.name > b.source.name ? 1 : 0));
  }

  /** Whether the source has had a group since the subsystem started: listing an unknown one is "does not exist", as on the real server. */
  isKnownSource(source: string): boolean {
    return this.knownSources.has(source);
  }

  async create(source: string, group: string, filter: EventFilter | undefined, settings: GroupSettings, user: string): Promise<void> {
    const id = key(source, group);
    if (this.groups.has(id)) throw new GroupExistsError(source, group);
    const definition: GroupDefinition = { source, group, filter, settings };
    this.definitions.set(id, definition);
    this.groups.set(id, this.instantiate(definition));
    await this.save(user);
  }

  /** Replaces the group with one on the new settings: its consumers are dropped, its checkpoint kept; a `$all` group keeps its filter. */
  async update(source: string, group: string, settings: GroupSettings, user: string): Promise<void> {
    const id = key(source, group);
    const old = this.groups.get(id);
    const previous = this.definitions.get(id);
    if (old === undefined || previous === undefined) throw new GroupNotFoundError(source, group);
    await old.shutdown();
    const definition: GroupDefinition = { ...previous, settings };
    this.definitions.set(id, definition);
    this.groups.set(id, this.instantiate(definition));
    await this.save(user);
  }

  async delete(source: string, group: string, user: string): Promise<void> {
    const id = key(source, group);
    const old = this.groups.get(id);
    // A stored group that could not start (see loadGroups) has a definition only, and can be deleted too.
    if (old === undefined && !this.definitions.has(id)) throw new GroupNotFoundError(source, group);
    this.groups.delete(id);
    this.definitions.delete(id);
    if (old !== undefined) {
      await old.shutdown();
      await old.deleteState();
    }
    await this.save(user);
  }

  /** RestartSubsystem: drop every consumer and reload definitions and checkpoints from the store. */
  async restart(): Promise<void> {
    const old = [...this.groups.values()];
    this.groups.clear();
    this.definitions.clear();
    this.knownSources.clear();
    await Promise.all(old.map((g) => g.shutdown()));
    await this.saving;
    this.loadGroups();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe();
    await Promise.all([...this.groups.values()].map((g) => g.shutdown()));
    this.groups.clear();
    await this.saving;
  }

  private loadGroups(): void {
    for (const definition of this.config.load()) {
      const id = key(definition.source, definition.group);
      if (this.groups.has(id)) continue;
      this.definitions.set(id, definition);
      try {
        this.groups.set(id, this.instantiate(definition));
      } catch (error) {
        // A group stored before its filter was checked for linear time: the others start, its definition is kept.
        const reason = error instanceof UnsupportedRegexError ? error.message : String(error);
        process.stderr.write(
          `emulator: persistent subscription group ${definition.group} on ${definition.source} not started: ${reason}; delete and re-create it\n`,
        );
      }
    }
  }

  private instantiate(definition: GroupDefinition): SubscriptionGroup {
    this.knownSources.add(definition.source);
    const source = new EventSource(this.store, definition.source, definition.filter, definition.settings.resolveLinkTos);
    return new SubscriptionGroup(this.store, source, definition.group, definition.settings, () => performance.now());
  }

  private save(user: string): Promise<void> {
    // Saves run one after another, each writing the definitions as they are when it runs, so the last write is the newest.
    const next = this.saving.then(() => this.config.save([...this.definitions.values()], user));
    this.saving = next.catch(() => undefined);
    return next;
  }

  private onAppended(events: readonly RecordedEvent[]): void {
    if (this.groups.size === 0) return;
    for (const group of this.groups.values()) {
      const records = group.source.within(events);
      if (records.length === 0) continue;
      try {
        group.onAppended(records);
      } catch {
        // One group's failure must not reach the store's append path or the other groups.
      }
    }
  }
}

function key(source: string, group: string): string {
  return `${source}::${group}`;
}
