import type { ResolvedEvent } from '@eventstore/db-client';
import { jsonSafe } from './json-safe';

/** One recorded event as the console shows it. */
export interface EventView {
  readonly stream: string;
  readonly revision: string;
  readonly type: string;
  readonly id: string;
  readonly created: string;
  /** `$all` position; absent when the server did not send one. */
  readonly position?: { readonly commit: string; readonly prepare: string };
  readonly isJson: boolean;
  /** Parsed JSON, or base64 of the bytes when the event is not JSON. */
  readonly data: unknown;
  readonly metadata: unknown;
  readonly correlationId?: string;
  readonly causationId?: string;
}

function metadataField(metadata: unknown, name: string): string | undefined {
  if (typeof metadata !== 'object' || metadata === null || metadata instanceof Uint8Array) return undefined;
  const value = (metadata as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The event a resolved event carries (the target of a resolved link, else the event itself); undefined for a dangling link. */
export function eventView(resolved: ResolvedEvent): EventView | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  const metadata = event.metadata instanceof Uint8Array && event.metadata.length === 0 ? null : jsonSafe(event.metadata);
  const correlationId = metadataField(event.metadata, '$correlationId');
  const causationId = metadataField(event.metadata, '$causationId');
  return {
    stream: event.streamId,
    revision: event.revision.toString(),
    type: event.type,
    id: event.id,
    created: new Date(event.created).toISOString(),
    ...(event.position ? { position: { commit: event.position.commit.toString(), prepare: event.position.prepare.toString() } } : {}),
    isJson: event.isJson,
    data: jsonSafe(event.data),
    metadata,
    ...(correlationId ? { correlationId } : {}),
    ...(causationId ? { causationId } : {}),
  };
}

/** System streams and events (`$`-prefixed: metadata, links, parked entries) are not the user's story. */
export function isUserEvent(view: EventView): boolean {
  return !view.stream.startsWith('$') && !view.type.startsWith('$');
}
