import type { Store } from '../store/store';
import { SYSTEM_PROJECTIONS } from './standard-projections';
import { SystemProjections } from './system-projections';

/** The server's `--run-projections` levels (ProjectionType: None, System, All). */
export const RUN_PROJECTIONS = ['none', 'system', 'all'] as const;
export type RunProjections = (typeof RUN_PROJECTIONS)[number];

export interface RunningProjections {
  readonly system: SystemProjections | undefined;
  close(): Promise<void>;
}

/** Starts what `level` enables over the store: nothing, or the standard projections. */
export function startProjections(store: Store, level: RunProjections): RunningProjections {
  const system = level === 'none' ? undefined : new SystemProjections(store, SYSTEM_PROJECTIONS);
  return {
    system,
    close: async () => {
      await system?.close();
    },
  };
}
