import { persistentSubscriptionToAllSettingsFromDefaults } from '@eventstore/db-client';
import { differingSettings, groupSettings } from './group-settings';

describe('groupSettings', () => {
  test('a stream source starts from the start and resolves links', () => {
    const declared = groupSettings({ source: { stream: '$ce-order' } });
    expect(declared.kind).toBe('stream');
    expect(declared.settings).toMatchObject({ startFrom: 'start', resolveLinkTos: true, consumerStrategyName: 'RoundRobin' });
  });

  test('an idle group checkpoints after one ack unless the function says otherwise', () => {
    expect(groupSettings({ source: { stream: 's' } }).settings.checkPointLowerBound).toBe(1);
    expect(groupSettings({ source: { stream: 's' }, settings: { checkPointLowerBound: 25 } }).settings.checkPointLowerBound).toBe(25);
  });

  test('declared settings override the defaults', () => {
    const declared = groupSettings({
      source: { all: { streamNamePrefixes: ['order-'] } },
      settings: { startFrom: 'end', maxRetryCount: 3, messageTimeoutMs: 5000, consumerStrategy: 'Pinned', maxSubscriberCount: 4 },
    });
    expect(declared.settings).toMatchObject({
      startFrom: 'end',
      maxRetryCount: 3,
      messageTimeout: 5000,
      consumerStrategyName: 'Pinned',
      maxSubscriberCount: 4,
    });
  });

  test('without a declared message timeout the one the runtime derives is used; a declared one wins', () => {
    expect(groupSettings({ source: { stream: 's' } }, 80_000).settings.messageTimeout).toBe(80_000);
    expect(groupSettings({ source: { stream: 's' }, settings: { messageTimeoutMs: 0 } }, 80_000).settings.messageTimeout).toBe(0);
  });

  test('$all with stream prefixes filters on stream name; with only type prefixes on event type', () => {
    const byStream = groupSettings({ source: { all: { streamNamePrefixes: ['order-'], eventTypePrefixes: ['Order'] } } });
    expect(byStream.kind === 'all' && byStream.filter).toMatchObject({ filterOn: 'streamName', prefixes: ['order-'] });
    const byType = groupSettings({ source: { all: { eventTypePrefixes: ['Order'] } } });
    expect(byType.kind === 'all' && byType.filter).toMatchObject({ filterOn: 'eventType', prefixes: ['Order'] });
    const unfiltered = groupSettings({ source: { all: {} } });
    expect(unfiltered.kind === 'all' && unfiltered.filter).toBeUndefined();
  });
});

describe('differingSettings', () => {
  const declared = persistentSubscriptionToAllSettingsFromDefaults({ maxRetryCount: 3 });

  test('nothing differs against the same settings, whatever startFrom says', () => {
    expect(differingSettings(declared, { ...declared, startFrom: 'end' } as never)).toEqual([]);
  });

  test('names each differing setting', () => {
    expect(differingSettings(declared, { ...declared, maxRetryCount: 10, consumerStrategyName: 'Pinned' })).toEqual([
      'maxRetryCount',
      'consumerStrategyName',
    ]);
  });

  test('0 and unbounded subscribers are the same', () => {
    expect(differingSettings(declared, { ...declared, maxSubscriberCount: 0 })).toEqual([]);
  });
});
