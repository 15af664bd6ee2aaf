import { DEFAULT_SETTINGS, InvalidSettingError, type RawSettings, SubscriptionCreateFailedError, validateSettings } from './settings';

const raw = (changes: Partial<RawSettings>): RawSettings => ({ ...DEFAULT_SETTINGS, ...changes });

describe('validateSettings', () => {
  test('accepts the client defaults unchanged', () => {
    expect(validateSettings(raw({}))).toEqual(DEFAULT_SETTINGS);
  });

  test.each([
    ['historyBufferSize', { historyBufferSize: -1 }],
    ['liveBufferSize', { liveBufferSize: -5 }],
    ['readBatchSize', { readBatchSize: -1 }],
    ['maxRetryCount', { maxRetryCount: -2 }],
    ['messageTimeoutMs', { messageTimeoutMs: -1 }],
    ['maxSubscriberCount', { maxSubscriberCount: -1 }],
  ] as const)('a negative %s is an invalid argument naming the field', (field, changes) => {
    expect(() => validateSettings(raw(changes))).toThrow(InvalidSettingError);
    expect(() => validateSettings(raw(changes))).toThrow(`'${field}'`);
  });

  test('a readBatchSize of 0 is an invalid argument naming the field (the group would re-read nothing forever)', () => {
    expect(() => validateSettings(raw({ readBatchSize: 0 }))).toThrow("'readBatchSize': must be at least 1.");
  });

  test('an unknown consumer strategy is an invalid argument naming it', () => {
    expect(() => validateSettings(raw({ consumerStrategy: 'Random' }))).toThrow(
      "Invalid persistent subscription setting 'consumerStrategyName': Consumer strategy Random does not exist.",
    );
  });

  test('readBatchSize at or above historyBufferSize fails the create as on the real server', () => {
    expect(() => validateSettings(raw({ readBatchSize: 500, historyBufferSize: 500 }))).toThrow(SubscriptionCreateFailedError);
    expect(() => validateSettings(raw({ readBatchSize: 499, historyBufferSize: 500 }))).not.toThrow();
  });

  test('accepts PinnedByCorrelation, which only the string field can name', () => {
    expect(validateSettings(raw({ consumerStrategy: 'PinnedByCorrelation' })).consumerStrategy).toBe('PinnedByCorrelation');
  });
});
