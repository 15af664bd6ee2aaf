import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  PersistentSubscriptionDoesNotExistError,
  type ResolvedEvent,
  StreamNotFoundError,
} from '@eventstore/db-client';
import { QUARANTINE_STREAM } from '@spillway/runtime/streams';
import { answerWithin, DEFAULT_ANSWER_SECONDS, timeoutFlag } from '../answer-within';
import type { Command } from '../command';
import { CONNECTION_USAGE, esdbConnection } from '../esdb-connection';
import { nameFlag, wholeNumber } from '../flag-values';
import { parseFlags } from '../parse-flags';
import { UsageError } from '../usage-error';

// Enough to see what went wrong; the rest is a `--limit` away.
const DEFAULT_LIMIT = 100;
// A listing for a terminal: beyond this, read the parked stream with a client.
const MAX_LIMIT = 100_000;

const USAGE = `Usage: spillway parked [--group G] [--stream S | --all] [--replay] [--quarantine] [--limit N] [--connection esdb://...] [--timeout SECONDS]

Without --group: every subscription group with its parked-message count, and how many events
folds have quarantined.
With --group: the group's parked events (on $all unless --stream is given).
--stream S    the group subscribes to stream S (needs --group)
--all         the group subscribes to $all, the default (needs --group; for every group's
              count, leave out --group and --all)
--replay      re-deliver the group's parked events to its consumers
--quarantine  the invalid events folds skip (recorded in ${QUARANTINE_STREAM}): stream@revision,
              type, id, the function that found it and why
--limit N     list at most N parked events (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})
${CONNECTION_USAGE.trim()}
--timeout S   seconds to wait for EventStoreDB to answer (default ${DEFAULT_ANSWER_SECONDS})`;

/** The stream where EventStoreDB keeps a group's parked events. */
export function parkedStream(source: string, group: string): string {
  return `$persistentsubscription-${source}::${group}-parked`;
}

interface ParkedLine {
  readonly at: string;
  readonly original: string;
  readonly reason?: string;
}

function textOf(data: unknown): string {
  return data instanceof Uint8Array ? Buffer.from(data).toString('utf8') : String(data ?? '');
}

/**
 * One parked entry. The parked stream holds links (`$>`, data `N@stream`) with the reason in their
 * metadata; when the server did not resolve the link, the command follows it itself.
 */
async function describeParked(client: EventStoreDBClient, resolved: ResolvedEvent): Promise<ParkedLine> {
  const link = resolved.link ?? (resolved.event?.type === '$>' ? resolved.event : undefined);
  let target = resolved.link ? resolved.event : undefined;
  if (!target && link) {
    const match = /^(\d+)@(.+)$/.exec(textOf(link.data));
    if (match) {
      try {
        for await (const found of client.readStream(match[2]!, { fromRevision: BigInt(match[1]!), maxCount: 1 })) target = found.event;
      } catch (err) {
        if (!(err instanceof StreamNotFoundError)) throw err;
      }
    }
  }
  const metadata = link?.metadata as Record<string, unknown> | undefined;
  const reason = metadata && typeof metadata.reason === 'string' ? metadata.reason.replaceAll('\n', ' | ') : undefined;
  return {
    at: String(link?.revision ?? resolved.event?.revision ?? '?'),
    original: target ? `${target.streamId}@${target.revision} ${target.type} ${target.id}` : `(deleted: ${textOf(link?.data)})`,
    reason,
  };
}

/** A client for `--connection`; a string the client cannot parse is the caller's mistake (exit 2), not a failure. */
function connect(connection: string): EventStoreDBClient {
  try {
    return EventStoreDBClient.connectionString(connection);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UsageError(`parked: --connection is not an EventStoreDB connection string (${reason})`);
  }
}

/** How many quarantine records there are: the stream is append-only, so its last revision + 1. */
async function quarantineCount(client: EventStoreDBClient): Promise<bigint> {
  try {
    for await (const { event } of client.readStream(QUARANTINE_STREAM, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
      if (event) return event.revision + 1n;
    }
  } catch (err) {
    if (!(err instanceof StreamNotFoundError)) throw err;
  }
  return 0n;
}

async function listQuarantine(client: EventStoreDBClient, limit: number): Promise<number> {
  let count = 0;
  try {
    for await (const { event } of client.readStream(QUARANTINE_STREAM, { maxCount: limit })) {
      if (!event) continue;
      if (count === 0) process.stdout.write(`quarantined events (folds skip them; the events stay in their streams):\n`);
      const d = (event.data ?? {}) as Record<string, unknown>;
      const reason = String(d.reason ?? '').replaceAll('\n', ' | ');
      process.stdout.write(
        `${String(event.revision).padStart(6)}  ${d.streamId}@${d.revision} ${d.type} ${d.eventId}  by ${d.fn}  reason: ${reason}\n`,
      );
      count++;
    }
  } catch (err) {
    if (!(err instanceof StreamNotFoundError)) throw err;
  }
  if (count === 0) process.stdout.write('no quarantined events\n');
  return 0;
}

async function listGroups(client: EventStoreDBClient): Promise<number> {
  const groups = await client.listAllPersistentSubscriptions();
  const quarantined = await quarantineCount(client);
  const quarantineLine = quarantined > 0n ? `quarantined events: ${quarantined} (spillway parked --quarantine lists them)\n` : '';
  if (groups.length === 0) {
    process.stdout.write(`no subscription groups\n${quarantineLine}`);
    return 0;
  }
  const rows = groups.map((info) => [info.eventSource, info.groupName, String(info.stats.parkedMessageCount)]);
  const widths = [0, 1].map((column) => Math.max(column === 0 ? 6 : 5, ...rows.map((row) => row[column]!.length)));
  process.stdout.write(`${'SOURCE'.padEnd(widths[0]!)}  ${'GROUP'.padEnd(widths[1]!)}  PARKED\n`);
  for (const [source, group, parked] of rows)
    process.stdout.write(`${source!.padEnd(widths[0]!)}  ${group!.padEnd(widths[1]!)}  ${parked}\n`);
  process.stdout.write(quarantineLine);
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
      const line = await describeParked(client, resolved);
      process.stdout.write(`${line.at.padStart(6)}  ${line.original}${line.reason ? `  reason: ${line.reason}` : ''}\n`);
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
      quarantine: { type: 'boolean' },
      limit: { type: 'string' },
      connection: { type: 'string' },
      timeout: { type: 'string' },
    });
    const seconds = timeoutFlag('parked', values.timeout);
    if (values.stream !== undefined && values.all) throw new UsageError('parked: give --stream or --all, not both');
    if (values.quarantine && (values.group !== undefined || values.stream !== undefined || values.all || values.replay)) {
      throw new UsageError('parked: --quarantine lists the quarantine; it takes no --group, --stream, --all or --replay');
    }
    if ((values.stream !== undefined || values.all || values.replay) && values.group === undefined) {
      throw new UsageError(
        'parked: --stream, --all and --replay need --group (without them, spillway parked lists every group with its parked count)',
      );
    }
    const limit = values.limit === undefined ? DEFAULT_LIMIT : wholeNumber(values.limit);
    if (limit === undefined || limit < 1 || limit > MAX_LIMIT) {
      throw new UsageError(`parked: --limit must be a positive integer (at most ${MAX_LIMIT}), got '${values.limit}'`);
    }
    const group = values.group === undefined ? undefined : nameFlag('parked', '--group', values.group);
    const source = values.stream === undefined ? '$all' : nameFlag('parked', '--stream', values.stream);
    const connection = esdbConnection('parked', values.connection);
    const client = connect(connection);
    const work = async (): Promise<number> => {
      if (values.quarantine) return await listQuarantine(client, limit);
      if (group === undefined) return await listGroups(client);
      if (values.replay) {
        if (source === '$all') await client.replayParkedMessagesToAll(group);
        else await client.replayParkedMessagesToStream(source, group);
        process.stdout.write(`replaying the parked events of ${source}::${group}\n`);
        return 0;
      }
      return await listParked(client, source, group, limit);
    };
    try {
      return await answerWithin(seconds, `EventStoreDB at ${connection}`, work());
    } catch (err) {
      if (err instanceof PersistentSubscriptionDoesNotExistError) {
        process.stderr.write(`spillway: parked: no subscription group '${group}' on ${source}\n`);
      } else {
        process.stderr.write(`spillway: parked: ${err instanceof Error ? err.message : String(err)}\n`);
      }
      return 1;
    } finally {
      // dispose() waits for calls the server never answered: bounded like the work itself.
      await answerWithin(seconds, 'closing the EventStoreDB client', client.dispose()).catch(() => undefined);
    }
  },
};
