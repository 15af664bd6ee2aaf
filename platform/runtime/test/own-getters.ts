/**
 * The names of the getters an object has as its own properties (not inherited). A context built per request
 * or per event should have none: V8 gives each object literal with getters a map of its own, and what the
 * getters reach then survives minor GCs (runtime README, Performance).
 */
export function ownGetters(o: object): string[] {
  return Object.entries(Object.getOwnPropertyDescriptors(o))
    .filter(([, descriptor]) => descriptor.get)
    .map(([name]) => name);
}
