import { type AccessControl, OPEN_ACCESS } from '../server/access-control';
import type { ServiceModule } from '../service-module';
import type { Store } from '../store/store';
import { createProjectionsModule } from './grpc-service';
import { ProjectionManager } from './projection-manager';
import { StandardProjections } from './standard-control';

/** The server's `--run-projections` levels (ProjectionType: None, System, All). */
export const RUN_PROJECTIONS = ['none', 'system', 'all'] as const;
export type RunProjections = (typeof RUN_PROJECTIONS)[number];

export interface RunningProjections {
  /** The standard projections (enabled or not one by one); none with `none`. */
  readonly system: StandardProjections | undefined;
  /** The Projections gRPC service: user projections run with `all` only, as on the server. */
  readonly module: ServiceModule;
  close(): Promise<void>;
}

/** Starts what `level` enables over the store: nothing, the standard projections, or those and user projections. */
export function startProjections(store: Store, level: RunProjections, access: AccessControl = OPEN_ACCESS): RunningProjections {
  const system = level === 'none' ? undefined : new StandardProjections(store);
  const manager = new ProjectionManager(store, level === 'all');
  manager.load();
  return {
    system,
    module: createProjectionsModule(manager, system, access),
    close: async () => {
      await manager.close();
      await system?.close();
    },
  };
}
