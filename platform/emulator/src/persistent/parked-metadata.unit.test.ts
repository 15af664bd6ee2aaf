import { dotnetLocalTime, parkedMessageMetadata } from './parked-metadata';

describe('dotnetLocalTime', () => {
  test.each([
    ['whole seconds drop the fraction', '2024-05-01T10:00:00.000Z', /:00[+-]\d\d:\d\d$/],
    ['trailing zeros are trimmed', '2024-05-01T10:00:00.120Z', /:00\.12[+-]\d\d:\d\d$/],
    ['three digits stay', '2024-05-01T10:00:00.123Z', /:00\.123[+-]\d\d:\d\d$/],
  ])('%s, and the text is the same instant', (_name, iso, shape) => {
    const date = new Date(iso);
    const text = dotnetLocalTime(date);
    expect(text).toMatch(shape);
    expect(Date.parse(text)).toBe(date.getTime());
  });
});

describe('parkedMessageMetadata', () => {
  test('is indented camelCase JSON without a zero subscriptionEventNumber', () => {
    const text = parkedMessageMetadata(new Date('2024-05-01T10:00:00Z'), 'why', 0n);
    expect(text.startsWith('{\n  "added": ')).toBe(true);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['added', 'reason']);
    expect(JSON.parse(parkedMessageMetadata(new Date(), 'why', 7n)) as object).toMatchObject({ reason: 'why', subscriptionEventNumber: 7 });
  });
});
