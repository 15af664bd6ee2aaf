import { BACKWARDS, END, type EventStoreDBClient } from '@eventstore/db-client';

/**
 * Links in `stream`: its last revision + 1. The read runs to its end: leaving it with `return`
 * after the server has already ended it leaves the client's call unfinished, and dispose() waits
 * for it forever (read-abandoned.int.test.ts).
 */
export async function linksIn(client: EventStoreDBClient, stream: string): Promise<number> {
  let links = 0;
  try {
    for await (const e of client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
      links = Number(e.event!.revision) + 1;
    }
  } catch {
    return 0;
  }
  return links;
}
