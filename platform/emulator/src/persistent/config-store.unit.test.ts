import { createMemoryStore } from '../store/memory-store';
import { ConfigStore, type GroupDefinition } from './config-store';
import { DEFAULT_SETTINGS } from './settings';

describe('ConfigStore', () => {
  test.each([
    ['a $all start with its own prepare half', { source: '$all', startFrom: 120n, startFromPrepare: 100n }],
    ['a $all start with equal halves', { source: '$all', startFrom: 120n, startFromPrepare: undefined }],
    ['a stream start', { source: 'orders', startFrom: 5n, startFromPrepare: undefined }],
  ])('keeps %s across a save and a load', async (_name, { source, startFrom, startFromPrepare }) => {
    const store = createMemoryStore();
    const settings = { ...DEFAULT_SETTINGS, startFrom, ...(startFromPrepare === undefined ? {} : { startFromPrepare }) };
    const definition: GroupDefinition = { source, group: 'g', filter: undefined, settings };
    await new ConfigStore(store).save([definition], 'admin');
    const [loaded] = new ConfigStore(store).load();
    expect(loaded?.settings.startFrom).toBe(startFrom);
    expect(loaded?.settings.startFromPrepare).toBe(startFromPrepare);
  });
});
