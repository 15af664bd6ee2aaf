import type { EventStoreDBClient } from '@eventstore/db-client';
import type { GroupReading, LagMeasurement, LagSource } from './lag-source';

/**
 * A function with a versioned read model (the runtime's `readModel`) consumes its declared group
 * `G` only for its first version; every rebuild reads under `G-v<label>` (`G-v2`, `G-v1b`,
 * `G-v1-verify1`), and after a switch `G` itself is gone. The workload's annotation still names `G`,
 * so the family is what it has to work through.
 */
export function isFamilyMember(declared: string, group: string): boolean {
  return group.startsWith(`${declared}-v`) && /^\d+[a-z0-9_-]*$/.test(group.slice(declared.length + 2));
}

function combine(groups: readonly GroupReading[]): LagMeasurement {
  const parts = groups.map((g) => g.measurement);
  const sum = (pick: (m: LagMeasurement) => number | undefined) => parts.reduce((total, m) => total + (pick(m) ?? 0), 0);
  const limits = parts.map((m) => m.maxSubscriberCount).filter((n): n is number => n !== undefined);
  return {
    lag: sum((m) => m.lag),
    inFlight: sum((m) => m.inFlight),
    retryBuffer: sum((m) => m.retryBuffer),
    parked: sum((m) => m.parked),
    capped: parts.some((m) => m.capped),
    groupExists: true,
    caughtUp: parts.every((m) => m.caughtUp),
    ...(limits.length > 0 ? { maxSubscriberCount: Math.min(...limits) } : {}),
    // Every replica consumes each group of the family: the busiest group has them all.
    consumers: Math.max(0, ...parts.map((m) => m.consumers ?? 0)),
    processedTotal: sum((m) => m.processedTotal),
    groups,
  };
}

/**
 * The lag of a group and of its read-model family: the sum over the groups that exist (a rebuild is
 * the largest backlog a projector ever has, and it must scale for it). A declared group that no longer
 * exists because a later version replaced it is not counted as "everything from the start".
 */
export class ReadModelFamilyLagSource implements LagSource {
  readonly subscription: string;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly source: string,
    private readonly group: string,
    private readonly sourceFor: (group: string) => LagSource,
  ) {
    this.subscription = `${source}::${group}`;
  }

  async getLag(): Promise<LagMeasurement> {
    const members = await this.members();
    if (members.length === 0) return this.measure(this.group);
    const [declared, builds] = await Promise.all([
      this.measure(this.group),
      Promise.all(members.map(async (group): Promise<GroupReading> => ({ group, measurement: await this.measure(group) }))),
    ]);
    return combine(declared.groupExists ? [{ group: this.group, measurement: declared }, ...builds] : builds);
  }

  async close(): Promise<void> {
    // The client is shared by every source; its owner closes it.
  }

  private async members(): Promise<string[]> {
    try {
      const infos = await this.client.listAllPersistentSubscriptions();
      return infos
        .filter((info) => info.eventSource === this.source && isFamilyMember(this.group, info.groupName))
        .map((info) => info.groupName);
    } catch {
      // Measuring the declared group alone reports the failure (or the figure) as before read models existed.
      return [];
    }
  }

  private async measure(group: string): Promise<LagMeasurement> {
    const source = this.sourceFor(group);
    try {
      return await source.getLag();
    } finally {
      await source.close();
    }
  }
}
