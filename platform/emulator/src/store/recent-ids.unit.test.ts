import { randomUUID } from 'node:crypto';
import { RecentIds } from './recent-ids';

/** Ids by `$all` index, as the store's events would give them. */
function remembering(budget: number, hash?: (id: string) => number) {
  const ids: string[] = [];
  const recent = new RecentIds((index) => ids[index]!, budget, hash);
  const write = (id: string, cost = 10) => {
    ids.push(id);
    recent.remember(id, ids.length - 1, cost);
    recent.forgetOld();
  };
  return { ids, recent, write };
}

test('finds the newest event of an id within the budget and forgets the oldest past it', () => {
  const { ids, recent, write } = remembering(100);
  for (let i = 0; i < 10; i++) write(randomUUID());
  expect(ids.map((id) => recent.find(id))).toEqual(ids.map((_, i) => i));
  write(ids[3]!);
  expect(recent.find(ids[3]!)).toBe(10);
  write(randomUUID());
  write(randomUUID());
  // 13 ids of cost 10 written, 100 bytes kept: indices 3..12 remain, id 3 still at its newer index.
  expect(recent.find(ids[0]!)).toBeUndefined();
  expect(recent.find(ids[2]!)).toBeUndefined();
  expect(recent.find(ids[3]!)).toBe(10);
  expect(recent.find(ids[4]!)).toBe(4);
  expect(recent.find(randomUUID())).toBeUndefined();
});

test('ids with the same hash are told apart by their events, and removals keep the others findable', () => {
  // Every id hashes alike: one probe run holds them all, each removal shifts it back.
  const { ids, recent, write } = remembering(50, () => 7);
  for (let i = 0; i < 12; i++) write(`id-${i}`);
  expect(ids.map((id) => recent.find(id))).toEqual([...Array(7).fill(undefined), 7, 8, 9, 10, 11]);
  expect(recent.find('id-99')).toBeUndefined();
});

test('keeps every id across the ring and table growing, with probe runs wrapping the table', () => {
  const { ids, recent, write } = remembering(200_000 * 10);
  const count = 150_000;
  for (let i = 0; i < count; i++) write(randomUUID());
  for (const i of [0, 1, 65_535, 65_536, 100_000, count - 1]) expect(recent.find(ids[i]!)).toBe(i);
  // Past the budget: the oldest go, in order.
  for (let i = 0; i < 60_000; i++) write(randomUUID());
  expect(recent.find(ids[9_999]!)).toBeUndefined();
  expect(recent.find(ids[10_000]!)).toBe(10_000);
  expect(recent.find(ids.at(-1)!)).toBe(ids.length - 1);
});
