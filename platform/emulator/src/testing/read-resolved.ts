import { type EventStoreDBClient, type ResolvedEvent, START } from '@eventstore/db-client';

/** Every event of `stream` from its start, links resolved; none when the stream does not exist (yet). */
export async function readResolved(client: EventStoreDBClient, stream: string): Promise<ResolvedEvent[]> {
  const out: ResolvedEvent[] = [];
  try {
    for await (const e of client.readStream(stream, { fromRevision: START, resolveLinkTos: true })) out.push(e);
  } catch (error) {
    if ((error as { type?: string }).type === 'stream-not-found') return [];
    throw error;
  }
  return out;
}
