/** What the gateway did with one request. */
export interface AccessEntry {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly ms: number;
  readonly requestId: string;
  /** The function it went to, and which replica; absent for the gateway's own answers. */
  readonly fn?: string;
  readonly replica?: string;
}

/** `POST /orders -> order-create (127.0.0.1:8081) 201 12 ms id=<x-request-id>`: one line per request. */
export function formatAccess(entry: AccessEntry): string {
  const target = entry.fn ? ` -> ${entry.fn}${entry.replica ? ` (${new URL(entry.replica).host})` : ''}` : '';
  return `${entry.method} ${entry.url}${target} ${entry.status} ${entry.ms} ms id=${entry.requestId}`;
}
