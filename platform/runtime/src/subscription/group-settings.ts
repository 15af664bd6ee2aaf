import {
  END,
  eventTypeFilter,
  type Filter,
  type PersistentSubscriptionToAllSettings,
  type PersistentSubscriptionToStreamSettings,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  START,
  streamNameFilter,
  UNBOUNDED,
} from '@eventstore/db-client';
import type { SubscriptionDefinition } from '../contract/define-function';

/** The group settings a subscription declares, over the client's defaults, plus the `$all` filter if any. */
export type GroupSettings =
  | { readonly kind: 'stream'; readonly stream: string; readonly settings: PersistentSubscriptionToStreamSettings }
  | { readonly kind: 'all'; readonly settings: PersistentSubscriptionToAllSettings; readonly filter?: Filter };

// The settings a function can declare, compared with the server's when the group already exists.
// startFrom is left out on purpose: it only matters when the group is created, and moving it later would skip or replay history.
const COMPARED = [
  'messageTimeout',
  'maxRetryCount',
  'checkPointAfter',
  'checkPointLowerBound',
  'checkPointUpperBound',
  'maxSubscriberCount',
  'consumerStrategyName',
  'resolveLinkTos',
] as const;

// EventStoreDB's default (10) leaves a group that acked fewer than 10 events since its last checkpoint
// uncheckpointed while idle: it then never looks caught up, so the drain-time policy cannot scale it to
// zero, and a restart redelivers those events. With 1, an idle group checkpoints after checkPointAfter.
const DEFAULT_CHECKPOINT_LOWER_BOUND = 1;

/** What a subscription definition asks of its group. */
export function groupSettings(
  // biome-ignore lint/suspicious/noExplicitAny: only the subscription's settings are read, whatever its event and deps types.
  subscription: Pick<SubscriptionDefinition<any, any>, 'source' | 'settings'>,
  /** The message timeout when the subscription declares none (the runtime derives it from the retry policy). */
  defaultMessageTimeoutMs?: number,
): GroupSettings {
  const s = subscription.settings ?? {};
  const messageTimeout = s.messageTimeoutMs ?? defaultMessageTimeoutMs;
  const common = {
    // A new function should see the events already written: tests and `npm start` write before the group exists.
    startFrom: s.startFrom === 'end' ? END : START,
    ...(s.maxRetryCount === undefined ? {} : { maxRetryCount: s.maxRetryCount }),
    ...(messageTimeout === undefined ? {} : { messageTimeout }),
    ...(s.maxSubscriberCount === undefined ? {} : { maxSubscriberCount: s.maxSubscriberCount }),
    ...(s.consumerStrategy === undefined ? {} : { consumerStrategyName: s.consumerStrategy }),
    ...(s.checkPointAfterMs === undefined ? {} : { checkPointAfter: s.checkPointAfterMs }),
    checkPointLowerBound: s.checkPointLowerBound ?? DEFAULT_CHECKPOINT_LOWER_BOUND,
    ...(s.checkPointUpperBound === undefined ? {} : { checkPointUpperBound: s.checkPointUpperBound }),
  } as const;
  const source = subscription.source;
  if ('stream' in source) {
    // Streams such as `$ce-order` hold links: a handler wants the events they point to.
    return {
      kind: 'stream',
      stream: source.stream,
      settings: persistentSubscriptionToStreamSettingsFromDefaults({ ...common, resolveLinkTos: true }),
    };
  }
  const settings = persistentSubscriptionToAllSettingsFromDefaults(common);
  // EventStoreDB takes one filter per subscription: stream-name prefixes win, and events of a type the
  // function has no schema for are acknowledged as unknown anyway, which covers event-type prefixes too.
  const { streamNamePrefixes, eventTypePrefixes } = source.all;
  if (streamNamePrefixes && streamNamePrefixes.length > 0)
    return { kind: 'all', settings, filter: streamNameFilter({ prefixes: [...streamNamePrefixes] }) };
  if (eventTypePrefixes && eventTypePrefixes.length > 0)
    return { kind: 'all', settings, filter: eventTypeFilter({ prefixes: [...eventTypePrefixes] }) };
  return { kind: 'all', settings };
}

function normalise(key: (typeof COMPARED)[number], value: unknown): unknown {
  // The server reports "no limit" as 0; the client spells it 'unbounded'.
  if (key === 'maxSubscriberCount' && (value === 0 || value === UNBOUNDED)) return UNBOUNDED;
  return value;
}

/** Names of the declared settings the existing group does not have (empty when nothing needs updating). */
export function differingSettings(
  declared: PersistentSubscriptionToStreamSettings | PersistentSubscriptionToAllSettings,
  actual: Partial<Record<(typeof COMPARED)[number], unknown>>,
): string[] {
  return COMPARED.filter((key) => normalise(key, declared[key]) !== normalise(key, actual[key]));
}
