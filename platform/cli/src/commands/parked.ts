import {
  EventStoreDBClient,
  PersistentSubscriptionDoesNotExistError,
  type ResolvedEvent,
  StreamNotFoundError,
} from '@eventstore/db-client';
import type { Command } from '../command';
import { parseFlags } from '../parse-flags';
import { UsageError } from '../usage-error';

const DEFAULT_CONNECTION = 'esdb://127.0.0.1:2113?tls=false';
// Enough to see what went wrong; the rest is a `--limit` away.
const DEFAULT_LIMIT = 100;

const USAGE = `Usage: spillway parked [--group G] [--stream S | --all] [--replay] [--limit N] [--connection esdb://...]

Without --group: every subscription group with its parked-message count.
With --group: the group's parked events (on $all unless --stream is given).
--replay      re-deliver the group's parked events to its consumers
--limit N     list at most N parked events (default ${DEFAULT_LIMIT})
--connection  EventStoreDB connection string (default ${DEFAULT_CONNECTION})`;

/** The stream where EventStoreDB keeps a group's parked events. */
export function parkedStream(source: string, group: string): string {
  return `$persistentsubscription-${source}::${group}-parked`;
}

function describeParked(resolved: ResolvedEvent): string {
  const { event, link } = resolved;
  const original = event ? `${event.streamId}@${event.revision} ${event.type} ${event.id}` : `(unresolved ${String(link?.data ?? '')})`;
  const metadata = (link?.metadata ?? event?.metadata) as Record<string, unknown> | undefined;
  const reason = metadata && typeof metadata === 'object' && typeof metadata.reason === 'string' ? `  reason: ${metadata.reason}` : '';
  const at = link ? String(link.revision) : event ? String(event.revision) : '?';
  return `${at.padStart(6)}  ${original}${reason}`;
}

async function listGroups(client: EventStoreDBClient): Promise<number> {
  const groups = await client.listAllPersistentSubscriptions();
  if (groups.length === 0) {
    process.stdout.write('no subscription groups\n');
    return 0;
  }
  const rows = groups.map((info) => [info.eventSource, info.groupName, String(info.stats.parkedMessageCount)]);
  const widths = [0, 1].map((column) => Math.max(column === 0 ? 6 : 5, ...rows.map((row) => row[column]!.length)));
  process.stdout.write(`${'SOURCE'.padEnd(widths[0]!)}  ${'GROUP'.padEnd(widths[1]!)}  PARKED\n`);
  for (const [source, group, parked] of rows)
    process.stdout.write(`${source!.padEnd(widths[0]!)}  ${group!.padEnd(widths[1]!)}  ${parked}\n`);
  return 0;
}

async function listParked(client: EventStoreDBClient, source: string, group: string, limit: number): Promise<number> {
  // The group must exist: an empty listing for a mistyped name would be misleading.
  if (source === '$all') await client.getPersistentSubscriptionToAllInfo(group);
  else await client.getPersistentSubscriptionToStreamInfo(source, group);
  let count = 0;
  try {
    for await (const resolved of client.readStream(parkedStream(source, group), { resolveLinkTos: true, maxCount: limit })) {
      if (count === 0) process.stdout.write(`parked events of ${source}::${group}:\n`);
      process.stdout.write(`${describeParked(resolved)}\n`);
      count++;
    }
  } catch (err) {
    if (!(err instanceof StreamNotFoundError)) throw err;
  }
  if (count === 0) process.stdout.write(`no parked events in ${source}::${group}\n`);
  return 0;
}

export const command: Command = {
  name: 'parked',
  summary: 'list or replay parked events of a subscription group',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags('parked', argv, {
      group: { type: 'string' },
      stream: { type: 'string' },
      all: { type: 'boolean' },
      replay: { type: 'boolean' },
      limit: { type: 'string' },
      connection: { type: 'string' },
    });
    if (values.stream !== undefined && values.all) throw new UsageError('parked: give --stream or --all, not both');
    if ((values.stream !== undefined || values.all || values.replay) && values.group === undefined) {
      throw new UsageError('parked: --stream, --all and --replay need --group');
    }
    const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`parked: --limit must be a positive integer, got '${values.limit}'`);
    const source = values.stream ?? '$all';
    const client = EventStoreDBClient.connectionString(values.connection ?? DEFAULT_CONNECTION);
    try {
      if (values.group === undefined) return await listGroups(client);
      if (values.replay) {
        if (source === '$all') await client.replayParkedMessagesToAll(values.group);
        else await client.replayParkedMessagesToStream(source, values.group);
        process.stdout.write(`replaying the parked events of ${source}::${values.group}\n`);
        return 0;
      }
      return await listParked(client, source, values.group, limit);
    } catch (err) {
      if (err instanceof PersistentSubscriptionDoesNotExistError) {
        process.stderr.write(`spillway: parked: no subscription group '${values.group}' on ${source}\n`);
      } else {
        process.stderr.write(`spillway: parked: ${err instanceof Error ? err.message : String(err)}\n`);
      }
      return 1;
    } finally {
      await client.dispose();
    }
  },
};
