import type { RunProjections } from '../flag-values';
import type { DevFunction } from './function-folders';

// The streams only the standard projections write: `$ce-<category>`, `$et-<type>`, `$category-<category>`, `$streams`.
const PROJECTION_STREAM = /^\$(ce|et|category)-|^\$streams$/;

/** Which projections dev's emulator runs, and why, for the banner. */
export interface DevProjections {
  readonly level: RunProjections;
  readonly why: string;
}

/**
 * The chart runs EventStoreDB with EVENTSTORE_RUN_PROJECTIONS=None, so dev's emulator runs none either
 * (the standard projections would otherwise write two or three link events per event, work the cluster
 * does not do), unless a function subscribes to a stream only they write: then it runs them, and says
 * that the cluster's EventStoreDB needs them too. `--run-projections` decides instead when given.
 */
export function devProjections(flag: RunProjections | undefined, functions: readonly DevFunction[]): DevProjections {
  if (flag !== undefined) return { level: flag, why: 'as --run-projections says' };
  for (const fn of functions) {
    const source = fn.definition.subscription?.source;
    if (source && 'stream' in source && PROJECTION_STREAM.test(source.stream)) {
      return {
        level: 'system',
        why: `${fn.name} subscribes to ${source.stream}, which only the standard projections write (in the cluster, EventStoreDB needs EVENTSTORE_RUN_PROJECTIONS=System too: eventstoredb.extraEnv)`,
      };
    }
  }
  return { level: 'none', why: "as the chart's EventStoreDB runs (--run-projections system for $ce-/$et- streams)" };
}
