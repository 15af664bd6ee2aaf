import {
  type AppendExpectedRevision,
  type EventStoreDBClient,
  jsonEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { BusinessRuleError, ConcurrencyError } from '../errors/errors';
import { jitteredDelay, sleep } from './backoff';
import { type Cause, causeMetadata, effectId, IDEMPOTENCY_ID, REQUEST_HASH } from './cause';
import type { EventStoreAccess, ExpectedRevision, Fold, Loaded, NewEvent, ParseEvent, StoredEvent } from './event-store-access';
import type { TolerantReader } from './tolerant-reader';

// A conflict means another writer won the race; a handful of reloads settles all but pathological contention.
const CONFLICT_RETRIES = 5;
// Small base so that the common single retry costs little; the cap keeps a hot stream from stalling a handler.
const CONFLICT_BACKOFF_BASE_MS = 10;
const CONFLICT_BACKOFF_CAP_MS = 250;

interface LoadedWithIds<S> extends Loaded<S> {
  readonly ids: ReadonlySet<string>;
  /** Events an earlier attempt of this keyed request wrote to the stream, in order. */
  readonly mine: readonly { readonly event: NewEvent; readonly hash: unknown }[];
}

function defaultParse<Ev>(type: string, data: unknown): Ev {
  return { type, data } as Ev;
}

/**
 * The events a keyed request wrote before, when it is the same request again (`hash`); a different
 * request under the same key is refused, whatever the function would have decided.
 */
function replayed(mine: LoadedWithIds<unknown>['mine'], hash: string): readonly NewEvent[] {
  if (mine.some((m) => m.hash !== hash)) {
    throw new BusinessRuleError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different request');
  }
  return mine.map((m) => m.event);
}

/**
 * EventStoreAccess bound to one cause: ids and correlation metadata of every append derive from it.
 * `reader` applies the process's tolerant-reader rule to what folds meet.
 */
export function createEventStoreAccess(client: EventStoreDBClient, cause: Cause, reader: TolerantReader): EventStoreAccess {
  async function tolerate<Ev>(event: StoredEvent, parse: ParseEvent<Ev>): Promise<Ev | undefined> {
    let parsed: Ev | undefined;
    try {
      parsed = parse(event.type, event.data);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await reader.quarantine({ streamId: event.streamId, revision: event.revision, id: event.id, type: event.type, reason });
      return undefined;
    }
    if (parsed === undefined) reader.unknownType('fold', event.type, event.streamId);
    return parsed;
  }

  function toEventData(streamId: string, events: readonly NewEvent[]) {
    const metadata = causeMetadata(cause);
    return events.map((event, index) =>
      jsonEvent({
        id: event.id ?? effectId(cause, `${streamId}/${index}/${event.type}`),
        type: event.type,
        // biome-ignore lint/suspicious/noExplicitAny: event data is any JSON value the function chose; jsonEvent's type is narrower.
        data: event.data as any,
        metadata: { ...metadata, ...event.metadata },
      }),
    );
  }

  async function loadWithIds<S, Ev>(streamId: string, fold: Fold<S, Ev>, parse: ParseEvent<Ev> = defaultParse): Promise<LoadedWithIds<S>> {
    let state = fold.initialState();
    let revision: ExpectedRevision = 'no_stream';
    const ids = new Set<string>();
    const mine: { event: NewEvent; hash: unknown }[] = [];
    try {
      for await (const resolved of client.readStream(streamId)) {
        const event = resolved.event;
        if (!event) continue;
        const parsed = await tolerate(event, parse);
        if (parsed !== undefined) state = fold.evolve(state, parsed);
        // Skipped or not, the event is in the stream: the next append must expect it.
        revision = event.revision;
        ids.add(event.id);
        const metadata = event.metadata as Record<string, unknown> | undefined;
        if (cause.request && metadata?.[IDEMPOTENCY_ID] === cause.request.id) {
          mine.push({ event: { type: event.type, data: event.data, id: event.id, metadata }, hash: metadata[REQUEST_HASH] });
        }
      }
    } catch (err) {
      if (!(err instanceof StreamNotFoundError)) throw new Error(`loading stream '${streamId}'`, { cause: err });
    }
    return { state, revision, ids, mine };
  }

  async function append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }) {
    return client.appendToStream(streamId, toEventData(streamId, events), {
      expectedRevision: options.expectedRevision as AppendExpectedRevision,
    });
  }

  async function decideAndAppend<S, Ev>(
    streamId: string,
    fold: Fold<S, Ev>,
    decide: (state: S) => readonly NewEvent[],
    parse?: ParseEvent<Ev>,
  ): Promise<readonly NewEvent[]> {
    for (let attempt = 0; ; attempt++) {
      const { state, revision, ids, mine } = await loadWithIds(streamId, fold, parse);
      // A retried request finds what its first attempt wrote: it gets those events back, undecided
      // (deciding again on the changed state could refuse or differ), so it answers as the first did.
      if (mine.length > 0 && cause.request) return replayed(mine, cause.request.hash);
      const decided = decide(state);
      if (decided.length === 0) return [];
      const withIds = toEventData(streamId, decided);
      // A redelivered cause finds its own effects already in the stream: writing them again would duplicate them.
      if (withIds.some((event) => ids.has(event.id))) return [];
      try {
        await client.appendToStream(streamId, withIds, { expectedRevision: revision as AppendExpectedRevision });
        return decided.map((event, index) => ({ ...event, id: withIds[index]!.id }));
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError)) throw err;
        if (attempt >= CONFLICT_RETRIES) {
          throw new ConcurrencyError(`stream '${streamId}' kept changing: gave up after ${CONFLICT_RETRIES + 1} attempts`);
        }
        await sleep(jitteredDelay(attempt, CONFLICT_BACKOFF_BASE_MS, CONFLICT_BACKOFF_CAP_MS));
      }
    }
  }

  return {
    client,
    eventId: (purpose) => effectId(cause, purpose),
    tolerate,
    async load(streamId, fold, parse) {
      const { state, revision } = await loadWithIds(streamId, fold, parse);
      return { state, revision };
    },
    append,
    decideAndAppend,
    async decideAndAppendNew(streamId, fold, decide, parse) {
      const decided = decide(fold.initialState());
      if (decided.length === 0) return [];
      const withIds = toEventData(streamId, decided);
      try {
        // The read it skips would cost a round trip and end in StreamNotFoundError nearly every time.
        await client.appendToStream(streamId, withIds, { expectedRevision: 'no_stream' });
        return decided.map((event, index) => ({ ...event, id: withIds[index]!.id }));
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError)) throw err;
        return decideAndAppend(streamId, fold, decide, parse);
      }
    },
  };
}
