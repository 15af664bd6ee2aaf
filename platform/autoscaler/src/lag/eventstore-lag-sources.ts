import type { EventStoreDBClient } from '@eventstore/db-client';
import type { ScalingSpec } from '../annotations/annotations';
import { AllLagSource, DEFAULT_SCAN_CAP } from './all-lag-source';
import type { LagSource } from './lag-source';
import { ReadModelFamilyLagSource } from './read-model-family';
import { type StartFrom, StreamLagSource } from './stream-lag-source';

export interface EventStoreLagOptions {
  /** Where groups that do not exist yet will start (the runtime's default is the start). */
  readonly startFrom?: StartFrom;
  readonly scanCap?: number;
  /** Measure a group with its read-model family (`<group>-v<N>`), as a workload consumes them (default true). */
  readonly family?: boolean;
}

/** The lag-source factory the loop uses in production: one source per workload, all on one shared client. */
export function eventStoreLagSources(
  client: EventStoreDBClient,
  options: EventStoreLagOptions = {},
): (spec: Pick<ScalingSpec, 'subscription' | 'filter'>) => LagSource {
  return ({ subscription, filter }) => {
    const sourceFor = (group: string): LagSource =>
      subscription.kind === 'all'
        ? new AllLagSource(client, group, filter, options.startFrom, options.scanCap ?? DEFAULT_SCAN_CAP)
        : new StreamLagSource(client, subscription.stream, group, options.startFrom);
    if (options.family === false) return sourceFor(subscription.group);
    const source = subscription.kind === 'all' ? '$all' : subscription.stream;
    // A read-model function's rebuilds run under `<group>-v<N>`: measured with the declared group.
    return new ReadModelFamilyLagSource(client, source, subscription.group, sourceFor);
  };
}
