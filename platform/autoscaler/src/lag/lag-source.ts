/** One reading of a subscription group's backlog. Counts are events. */
export interface LagMeasurement {
  /** Events the group still has to process: what lies after its checkpoint and matches its filter. Parked messages are not in it. */
  readonly lag: number;
  /** Messages handed to consumers and not yet acknowledged. */
  readonly inFlight: number;
  /** Messages waiting to be redelivered after a nack or a timeout. */
  readonly retryBuffer: number;
  /** Messages given up on; reported, never scaled on (a poison message must not drive replicas to the maximum). */
  readonly parked: number;
  /** True when `lag` is a lower bound because the bounded `$all` count stopped at its cap. */
  readonly capped: boolean;
  /** False when the group does not exist yet; `lag` is then every matching event from the start position. */
  readonly groupExists: boolean;
  /** The checkpoint has reached the last matching event: nothing is left behind it. */
  readonly caughtUp: boolean;
  /** The group's limit on consumers; undefined when unbounded. */
  readonly maxSubscriberCount?: number;
  /** Consumers connected to the group now: the replicas actually taking work (a starting replica is not one yet). */
  readonly consumers?: number;
  /** The server's running count of events the group processed; it restarts at zero with the server. */
  readonly processedTotal?: number;
  /**
   * A read-model family's groups one by one (the declared group when it exists, and each build group),
   * when the family has build groups; the figures above are their sum. The cluster console shows builds from them.
   */
  readonly groups?: readonly GroupReading[];
}

/** One group of a read-model family, as measured within the family's reading. */
export interface GroupReading {
  readonly group: string;
  readonly measurement: LagMeasurement;
}

/** Measures one subscription group. One file per kind of source; the loop only sees this. */
export interface LagSource {
  /** Which subscription, for logs: `<stream>::<group>` or `$all::<group>`. */
  readonly subscription: string;
  getLag(): Promise<LagMeasurement>;
  close(): Promise<void>;
}
