import { matchesFilter } from './all-lag-source';

describe('matchesFilter', () => {
  test.each([
    ['no filter counts a user event', 'order-1', 'OrderCreated', undefined, true],
    ['no filter skips system streams', '$persistentsubscription-g-checkpoint', '$SubscriptionCheckpoint', undefined, false],
    ['stream prefix matches', 'order-1', 'OrderCreated', { streamNamePrefixes: ['order-'] }, true],
    ['stream prefix does not match', 'inventory-1', 'StockReserved', { streamNamePrefixes: ['order-'] }, false],
    ['one of several stream prefixes matches', 'payment-9', 'Paid', { streamNamePrefixes: ['order-', 'payment-'] }, true],
    ['event-type prefix matches', 'anything', 'OrderCancelled', { eventTypePrefixes: ['Order'] }, true],
    ['event-type prefix does not match', 'order-1', 'StockReserved', { eventTypePrefixes: ['Order'] }, false],
    [
      'both must match when both are set',
      'order-1',
      'StockReserved',
      { streamNamePrefixes: ['order-'], eventTypePrefixes: ['Order'] },
      false,
    ],
  ])('%s', (_name, stream, type, filter, expected) => {
    expect(matchesFilter(stream, type, filter)).toBe(expected);
  });
});
