/** Which persistent subscription a workload follows: a group on one stream, or on `$all`. */
export type SubscriptionRef =
  | { readonly kind: 'stream'; readonly stream: string; readonly group: string }
  | { readonly kind: 'all'; readonly group: string };

/** Stream-name and event-type prefixes of a filtered `$all` subscription (the runtime's `SubscriptionSource`). */
export interface AllFilter {
  readonly streamNamePrefixes?: readonly string[];
  readonly eventTypePrefixes?: readonly string[];
}

const SEPARATOR = '::';

/**
 * Parses `<stream>::<group>` or `$all::<group>`. The last `::` splits, so a stream name may
 * itself contain `::`; a group name may not.
 */
export function parseSubscriptionRef(value: string): SubscriptionRef | { readonly error: string } {
  const at = value.lastIndexOf(SEPARATOR);
  if (at <= 0 || at + SEPARATOR.length >= value.length) {
    return { error: `expected '<stream>::<group>' or '$all::<group>', got '${value}'` };
  }
  const source = value.slice(0, at);
  const group = value.slice(at + SEPARATOR.length);
  if (group.trim() !== group || source.trim() !== source) return { error: `no spaces around '::' in '${value}'` };
  return source === '$all' ? { kind: 'all', group } : { kind: 'stream', stream: source, group };
}

export function formatSubscriptionRef(ref: SubscriptionRef): string {
  return `${ref.kind === 'all' ? '$all' : ref.stream}${SEPARATOR}${ref.group}`;
}

/** A function's subscription source, as the runtime's `defineFunction` declares it (structurally, to keep the packages apart). */
export type DeclaredSource =
  | { readonly stream: string }
  | { readonly all: { readonly streamNamePrefixes?: readonly string[]; readonly eventTypePrefixes?: readonly string[] } };

/** What the autoscaler needs from a declared subscription: which group, and a `$all` group's filter. */
export function subscriptionFromSource(source: DeclaredSource, group: string): { subscription: SubscriptionRef; filter?: AllFilter } {
  if ('stream' in source) return { subscription: { kind: 'stream', stream: source.stream, group } };
  const { streamNamePrefixes, eventTypePrefixes } = source.all;
  const filter: AllFilter = {
    ...(streamNamePrefixes && streamNamePrefixes.length > 0 ? { streamNamePrefixes } : {}),
    ...(eventTypePrefixes && eventTypePrefixes.length > 0 ? { eventTypePrefixes } : {}),
  };
  return { subscription: { kind: 'all', group }, ...(Object.keys(filter).length > 0 ? { filter } : {}) };
}
