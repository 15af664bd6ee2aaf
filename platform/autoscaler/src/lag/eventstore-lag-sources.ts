import type { EventStoreDBClient } from '@eventstore/db-client';
import type { ScalingSpec } from '../annotations/annotations';
import { AllLagSource, DEFAULT_SCAN_CAP } from './all-lag-source';
import type { LagSource } from './lag-source';
import { type StartFrom, StreamLagSource } from './stream-lag-source';

export interface EventStoreLagOptions {
  /** Where groups that do not exist yet will start (the runtime's default is the start). */
  readonly startFrom?: StartFrom;
  readonly scanCap?: number;
}

/** The lag-source factory the loop uses in production: one source per workload, all on one shared client. */
export function eventStoreLagSources(
  client: EventStoreDBClient,
  options: EventStoreLagOptions = {},
): (spec: Pick<ScalingSpec, 'subscription' | 'filter'>) => LagSource {
  return ({ subscription, filter }) =>
    subscription.kind === 'all'
      ? new AllLagSource(client, subscription.group, filter, options.startFrom, options.scanCap ?? DEFAULT_SCAN_CAP)
      : new StreamLagSource(client, subscription.stream, subscription.group, options.startFrom);
}
