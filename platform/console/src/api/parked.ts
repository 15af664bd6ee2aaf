import { type EventStoreDBClient, type ResolvedEvent, StreamNotFoundError } from '@eventstore/db-client';
import { type EventView, eventView } from './event-view';

type GroupInfo = Awaited<ReturnType<EventStoreDBClient['listAllPersistentSubscriptions']>>[number];

export class NoSuchGroupError extends Error {
  override readonly name = 'NoSuchGroupError';
}

export class AmbiguousGroupError extends Error {
  override readonly name = 'AmbiguousGroupError';
}

/** One parked message: where it sits in the parked stream, why it was parked, when, and the event itself. */
export interface ParkedView {
  readonly parkedRevision: string;
  readonly parkedAt: string;
  readonly reason?: string;
  /** The original event; absent when it has been deleted since (`target` then names it). */
  readonly event?: EventView;
  readonly target: string;
}

/** The stream where EventStoreDB keeps a group's parked messages. */
export function parkedStream(source: string, group: string): string {
  return `$persistentsubscription-${source}::${group}-parked`;
}

/** A group by name (`stream` narrows it when two sources have a group of that name). */
export async function findGroup(client: EventStoreDBClient, group: string, stream?: string): Promise<GroupInfo> {
  const all = await client.listAllPersistentSubscriptions();
  const named = all.filter((info) => info.groupName === group && (stream === undefined || info.eventSource === stream));
  if (named.length === 0) throw new NoSuchGroupError(`no subscription group '${group}'${stream ? ` on ${stream}` : ''}`);
  if (named.length > 1) {
    throw new AmbiguousGroupError(`group '${group}' exists on ${named.map((i) => i.eventSource).join(' and ')}; name one with ?stream=`);
  }
  return named[0]!;
}

const text = (data: unknown) => (data instanceof Uint8Array ? Buffer.from(data).toString('utf8') : String(data ?? ''));

async function describe(client: EventStoreDBClient, resolved: ResolvedEvent): Promise<ParkedView> {
  // The parked stream holds links (`$>`, data `N@stream`) with the reason in their metadata.
  const link = resolved.link ?? (resolved.event?.type === '$>' ? resolved.event : undefined);
  let target = resolved.link ? resolved : undefined;
  const pointer = text(link?.data);
  if (!target && link) {
    const match = /^(\d+)@(.+)$/.exec(pointer);
    if (match) {
      try {
        for await (const found of client.readStream(match[2]!, { fromRevision: BigInt(match[1]!), maxCount: 1 })) target = found;
      } catch (err) {
        if (!(err instanceof StreamNotFoundError)) throw err;
      }
    }
  }
  const metadata = link?.metadata as Record<string, unknown> | undefined;
  const reason = metadata && typeof metadata.reason === 'string' ? metadata.reason : undefined;
  const event = target ? eventView(target) : undefined;
  return {
    parkedRevision: String(link?.revision ?? resolved.event?.revision ?? ''),
    parkedAt: new Date(link?.created ?? resolved.event?.created ?? 0).toISOString(),
    ...(reason ? { reason } : {}),
    ...(event ? { event } : {}),
    target: pointer,
  };
}

/** A group's parked messages, oldest first, at most `limit`. */
export async function listParked(client: EventStoreDBClient, source: string, group: string, limit: number): Promise<ParkedView[]> {
  const parked: ParkedView[] = [];
  try {
    for await (const resolved of client.readStream(parkedStream(source, group), { resolveLinkTos: true, maxCount: limit })) {
      parked.push(await describe(client, resolved));
    }
  } catch (err) {
    if (!(err instanceof StreamNotFoundError)) throw err;
  }
  return parked;
}

/** Re-delivers a group's parked messages to its consumers: what `spillway parked --replay` does. */
export async function replayParked(client: EventStoreDBClient, source: string, group: string): Promise<void> {
  if (source === '$all') await client.replayParkedMessagesToAll(group);
  else await client.replayParkedMessagesToStream(source, group);
}
