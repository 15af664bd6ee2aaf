/**
 * The standard projections as the Projections service sees them: each one enabled or not, as
 * the server lets `enable` / `disable` start and stop `$by_category` and the others like any
 * managed projection. The choice is kept in `$projections-<name>` (`$ProjectionUpdated`, as
 * the server keeps a projection's persisted state), so a durable node keeps it across a
 * restart; one SystemProjections pass runs the enabled ones. Re-enabling one continues from
 * its own checkpoint: the pass restarts from the lowest checkpoint of those it runs, and what
 * the others already wrote is recognised by its `$c` (EmittedStream's recovery).
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store';
import { SYSTEM_PROJECTIONS, type SystemProjectionName } from './standard-projections';
import { SystemProjections, type SystemProjectionsStatus } from './system-projections';

const UPDATED_TYPE = '$ProjectionUpdated';
const stateStream = (name: SystemProjectionName) => `$projections-${name}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class StandardProjections {
  private readonly enabled: Set<SystemProjectionName>;
  private running: SystemProjections | undefined;
  /** Enable / disable requests, one after the other. */
  private changes: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store) {
    this.enabled = new Set(SYSTEM_PROJECTIONS.filter((name) => this.persistedEnabled(name)));
    this.running = this.start();
  }

  isEnabled(name: SystemProjectionName): boolean {
    return this.enabled.has(name);
  }

  /** The running pass's status (undefined when none of them is enabled). */
  status(): SystemProjectionsStatus | undefined {
    return this.running?.status();
  }

  setEnabled(name: SystemProjectionName, enabled: boolean): Promise<void> {
    const change = this.changes.then(async () => {
      if (this.enabled.has(name) === enabled) return;
      // The pass stops after its page in progress and checkpoints every projection it ran.
      await this.running?.close();
      if (enabled) this.enabled.add(name);
      else this.enabled.delete(name);
      const outcome = await this.store.append(stateStream(name), { kind: 'any' }, [
        {
          id: randomUUID(),
          type: UPDATED_TYPE,
          contentType: 'application/json',
          data: encoder.encode(JSON.stringify({ enabled })),
          metadata: new Uint8Array(),
        },
      ]);
      this.running = this.start();
      if (outcome.kind !== 'success') throw new Error(`writing ${stateStream(name)}: ${outcome.kind}`);
    });
    this.changes = change.catch(() => {});
    return change;
  }

  async close(): Promise<void> {
    await this.changes;
    await this.running?.close();
  }

  private start(): SystemProjections | undefined {
    const names = SYSTEM_PROJECTIONS.filter((name) => this.enabled.has(name));
    return names.length === 0 ? undefined : new SystemProjections(this.store, names);
  }

  /** Enabled unless the last `$ProjectionUpdated` says otherwise: on by default, as `--run-projections system` is here. */
  private persistedEnabled(name: SystemProjectionName): boolean {
    const stream = stateStream(name);
    const last = this.store.streamState(stream).lastRevision;
    const event = last === undefined ? undefined : this.store.readStream(stream, last, 'backwards', 1n)[0];
    if (!event) return true;
    try {
      return (JSON.parse(decoder.decode(event.data)) as { enabled?: unknown }).enabled !== false;
    } catch {
      return true;
    }
  }
}
