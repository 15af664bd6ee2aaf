import { formatSubscriptionRef, parseSubscriptionRef, subscriptionFromSource } from './subscription-ref';

describe('subscription references', () => {
  test.each([
    ['a stream group', 'orders::projector', { kind: 'stream', stream: 'orders', group: 'projector' }],
    ['an $all group', '$all::stock-reservation', { kind: 'all', group: 'stock-reservation' }],
    ['a stream name containing ::', 'a::b::g', { kind: 'stream', stream: 'a::b', group: 'g' }],
  ])('parses %s and formats it back', (_name, text, ref) => {
    expect(parseSubscriptionRef(text)).toEqual(ref);
    expect(formatSubscriptionRef(ref as never)).toBe(text);
  });

  test.each([
    ['no separator', 'orders'],
    ['no stream', '::g'],
    ['no group', 'orders::'],
    ['spaces around the separator', 'orders :: g'],
  ])('rejects %s', (_name, text) => {
    expect(parseSubscriptionRef(text)).toHaveProperty('error');
  });

  test('a declared source maps to the group and its $all filter', () => {
    expect(subscriptionFromSource({ stream: 'orders' }, 'p')).toEqual({ subscription: { kind: 'stream', stream: 'orders', group: 'p' } });
    expect(subscriptionFromSource({ all: { streamNamePrefixes: ['order-'] } }, 'r')).toEqual({
      subscription: { kind: 'all', group: 'r' },
      filter: { streamNamePrefixes: ['order-'] },
    });
    expect(subscriptionFromSource({ all: {} }, 'r')).toEqual({ subscription: { kind: 'all', group: 'r' } });
  });
});
