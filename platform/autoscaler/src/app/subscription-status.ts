import { EventStoreDBClient } from '@eventstore/db-client';
import { eventStoreLagSources } from '../lag/eventstore-lag-sources';
import type { LagMeasurement } from '../lag/lag-source';

/** One persistent subscription as `spillway status` shows it. */
export interface SubscriptionStatus {
  readonly subscription: string;
  readonly status: string;
  readonly measurement?: LagMeasurement;
  readonly error?: string;
}

/**
 * Every persistent subscription on the server with its lag, measured by the autoscaler's own
 * lag sources. GetInfo does not report a `$all` group's filter, so its lag counts every user
 * event after the checkpoint: an upper bound.
 */
export async function subscriptionStatuses(client: EventStoreDBClient): Promise<SubscriptionStatus[]> {
  const infos = await client.listAllPersistentSubscriptions();
  // One row per group: a read model's build groups have rows of their own.
  const sources = eventStoreLagSources(client, { family: false });
  const rows = await Promise.all(
    infos.map(async (info): Promise<SubscriptionStatus> => {
      const subscription = `${info.eventSource}::${info.groupName}`;
      const source = sources({
        subscription:
          info.eventSource === '$all'
            ? { kind: 'all', group: info.groupName }
            : { kind: 'stream', stream: info.eventSource, group: info.groupName },
      });
      try {
        return { subscription, status: info.status, measurement: await source.getLag() };
      } catch (err) {
        return { subscription, status: info.status, error: err instanceof Error ? err.message : String(err) };
      } finally {
        await source.close();
      }
    }),
  );
  return rows.sort((a, b) => a.subscription.localeCompare(b.subscription));
}

/** A plain-text table, one row per subscription. */
export function formatStatusTable(rows: readonly SubscriptionStatus[]): string {
  if (rows.length === 0) return 'no persistent subscriptions\n';
  const header = ['SUBSCRIPTION', 'STATUS', 'LAG', 'IN-FLIGHT', 'RETRY', 'PARKED', 'CONSUMERS'];
  const body = rows.map((r) => {
    const m = r.measurement;
    if (!m) return [r.subscription, r.status, `error: ${r.error ?? 'unknown'}`, '', '', '', ''];
    const lag = `${m.lag}${m.capped ? '+' : ''}${r.subscription.startsWith('$all::') ? ' (unfiltered)' : ''}`;
    // The server says "Live" for a group whatever its consumers; one nobody reads (its function stopped)
    // is what an operator looks for. GetInfo does not tell since when, so neither does this.
    const status = m.consumers === 0 ? 'no consumers' : r.status;
    return [r.subscription, status, lag, String(m.inFlight), String(m.retryBuffer), String(m.parked), String(m.consumers ?? 0)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...body.map(line)].join('\n')}\n`;
}

/** Connects, lists every subscription with its lag, and disconnects: what `spillway status` runs. */
export async function readSubscriptionStatuses(connectionString: string): Promise<SubscriptionStatus[]> {
  const client = EventStoreDBClient.connectionString(connectionString);
  try {
    return await subscriptionStatuses(client);
  } finally {
    await client.dispose();
  }
}
