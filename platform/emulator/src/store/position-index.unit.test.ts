import { PositionIndex } from './position-index';

test('keeps every position across chunk boundaries, large offsets exact', () => {
  const index = new PositionIndex();
  const count = 3 * 65_536 + 7;
  // Positions past 2^32, as in a log over 4 GiB.
  const positionOf = (i: number) => 2 ** 33 + i * 173;
  for (let i = 0; i < count; i++) index.push(positionOf(i));
  expect(index.length).toBe(count);
  for (const i of [0, 1, 65_535, 65_536, 65_537, 131_071, 131_072, count - 1]) expect(index.at(i)).toBe(positionOf(i));
});
