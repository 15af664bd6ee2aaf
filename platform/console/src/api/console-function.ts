import type { EventStoreDBClient } from '@eventstore/db-client';
import type { ReplicaState } from '../gateway/replica-tracker';
import type { ReadModelSummary } from './read-models';

/** A group's backlog as the autoscaler measures it (its `LagMeasurement` fits). Counts are events. */
export interface GroupMeasurement {
  readonly lag: number;
  readonly capped: boolean;
  readonly inFlight: number;
  readonly parked: number;
  /** Consumers connected now: the replicas taking work. */
  readonly consumers?: number;
  /** The server's running count of events the group processed (restarts with the server). */
  readonly processedTotal?: number;
}

/** One tick of an autoscaler for one function (the autoscaler's `Outcome` fits): what it measured, decided and applied. */
export interface ScalingTick {
  readonly at: number;
  readonly currentReplicas: number;
  readonly measurement?: GroupMeasurement;
  readonly decision?: { readonly replicas: number; readonly reason: string };
  readonly applied: boolean;
  readonly error?: Error;
}

/**
 * A function as the console's host knows it. Two hosts run the console: `spillway dev` (its processes
 * behind the gateway, its local autoscaler) and the in-cluster autoscaler (its workloads). Each adapts
 * what it knows to this, so the console depends on neither.
 */
export interface ConsoleFunction {
  readonly name: string;
  /** The group it consumes, when it has a subscription. */
  readonly subscription?: { readonly source: string; readonly group: string };
  /** Its scaling range, when an autoscaler scales it. */
  readonly scaling?: { readonly minReplicas: number; readonly maxReplicas: number };
  /** It declares a versioned read model: each of its replicas answers `GET /read-model`. */
  readonly readModel?: boolean;
  /**
   * Its read model from the groups the host measures, for a host that does not call replicas (the
   * in-cluster autoscaler: the read-model family's groups on its last tick). Undefined while nothing
   * shows a read model (no build group exists). Asked when `readModel` has no replica to ask.
   */
  readModelFromGroups?(): ReadModelSummary | undefined;
  /**
   * Its replicas one by one, where the host knows where they listen (the gateway does). Without it the
   * replicas are counted from the autoscaler's last tick, and nothing is asked of them.
   */
  replicas?(): readonly ReplicaState[];
  /** The autoscaler's last tick for it. */
  latest?(): ScalingTick | undefined;
  /** Measures its group now, with the console's client: for a function no autoscaler tick measures. */
  measure?(client: EventStoreDBClient): Promise<GroupMeasurement>;
}
