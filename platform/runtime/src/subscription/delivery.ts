import type { EventMetadata, EventSchemas, TypedEvent } from '../contract/define-function';
import { PermanentError } from '../errors/errors';

/** What the runner got from the server, reduced to what the pipeline needs (the client's resolved event). */
export interface RawDelivery {
  readonly event?: {
    readonly id: string;
    readonly type: string;
    readonly streamId: string;
    readonly revision: bigint;
    readonly isJson: boolean;
    readonly data: unknown;
    readonly metadata: unknown;
  };
  readonly retryCount: number;
}

/** A delivered event sorted by what to do with it. */
export type Delivery<E extends EventSchemas> =
  | { readonly kind: 'valid'; readonly event: TypedEvent<E> }
  | { readonly kind: 'unknown'; readonly type: string; readonly reason: string }
  | { readonly kind: 'invalid'; readonly type: string; readonly reason: string };

/** How the runner answers the server for one event. */
export type Verdict = { readonly action: 'ack' } | { readonly action: 'retry' | 'park'; readonly reason: string };

// Nack reasons end up in the parked stream and logs: enough to diagnose, never a whole payload.
const MAX_REASON_LENGTH = 500;

/** Cuts a reason to what a parked event's metadata and a log line should carry. */
export function truncate(text: string): string {
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

function decodeJson(value: unknown): unknown {
  if (!(value instanceof Uint8Array)) return value;
  if (value.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(value).toString('utf8'));
  } catch {
    return value;
  }
}

function toMetadata(value: unknown): EventMetadata {
  const decoded = decodeJson(value);
  return typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded) && !(decoded instanceof Uint8Array)
    ? (decoded as EventMetadata)
    : {};
}

/** Validates a delivered event against the schema of its type; never throws. */
export function toDelivery<E extends EventSchemas>(raw: RawDelivery, schemas: E): Delivery<E> {
  const event = raw.event;
  // A link whose target was deleted or truncated resolves to nothing: there is nothing to handle.
  if (!event) return { kind: 'unknown', type: '(unresolved link)', reason: 'the link points to a deleted event' };
  const schema = Object.hasOwn(schemas, event.type) ? schemas[event.type] : undefined;
  if (!schema) return { kind: 'unknown', type: event.type, reason: `no schema for event type '${event.type}'` };
  const parsed = schema.safeParse(event.isJson ? event.data : decodeJson(event.data));
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    return { kind: 'invalid', type: event.type, reason: truncate(`invalid ${event.type}: ${details}`) };
  }
  const typed = {
    type: event.type,
    data: parsed.data,
    id: event.id,
    streamId: event.streamId,
    revision: event.revision,
    metadata: toMetadata(event.metadata),
    retryCount: raw.retryCount,
  };
  return { kind: 'valid', event: typed as TypedEvent<E> };
}

/** Raised when a handler outlives its per-event timeout. */
export class HandlerTimeoutError extends Error {
  override readonly name = 'HandlerTimeoutError';
}

/**
 * A failed handler: a PermanentError parks at once (retrying cannot help); anything else, a timeout
 * included, is retried (the runner's retry policy decides when, and when to give up and park).
 */
export function verdictForFailure(err: unknown): Verdict {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  if (err instanceof PermanentError) return { action: 'park', reason: truncate(message) };
  return { action: 'retry', reason: truncate(message) };
}

/**
 * Runs `work` with an AbortSignal that fires after `timeoutMs` or when `outer` aborts; rejects with
 * HandlerTimeoutError at the timeout even if `work` ignores its signal (it keeps running, unacknowledged).
 * The signal is created on first use (`signal()`): most handlers never look at it.
 */
export async function withTimeout<T>(timeoutMs: number, outer: AbortSignal, work: (signal: () => AbortSignal) => Promise<T>): Promise<T> {
  let controller: AbortController | undefined;
  const onOuterAbort = () => controller?.abort(outer.reason);
  const signal = () => {
    if (!controller) {
      controller = new AbortController();
      if (outer.aborted) controller.abort(outer.reason);
      else outer.addEventListener('abort', onOuterAbort, { once: true });
    }
    return controller.signal;
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new HandlerTimeoutError(`handler did not finish within ${timeoutMs} ms`);
      controller?.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(signal), timeout]);
  } finally {
    clearTimeout(timer);
    if (controller) outer.removeEventListener('abort', onOuterAbort);
  }
}
