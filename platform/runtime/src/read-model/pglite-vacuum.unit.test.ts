import { markVacuumed, quoteIdent, type TableActivity, tablesDue } from './pglite-vacuum';

const table = (name: string, changes: number, liveRows: number): TableActivity => ({ schema: 'v1', table: name, changes, liveRows });

describe('tablesDue', () => {
  test('a table is due once its changes since the last vacuum pass 50 plus a fifth of its live rows', () => {
    const tables = [table('hot', 52, 8), table('quiet', 52, 10), table('big', 2_049, 10_000), table('bigger', 2_051, 10_000)];
    expect(tablesDue(tables, new Map()).map((t) => t.table)).toEqual(['hot', 'bigger']);
  });

  test('changes count from the last vacuum, and from zero again after the counters were reset', () => {
    const vacuumedAt = new Map<string, number>();
    markVacuumed(vacuumedAt, table('hot', 1_000, 8));
    expect(tablesDue([table('hot', 1_040, 8)], vacuumedAt)).toEqual([]);
    expect(tablesDue([table('hot', 1_060, 8)], vacuumedAt).map((t) => t.table)).toEqual(['hot']);
    expect(tablesDue([table('hot', 60, 8)], vacuumedAt).map((t) => t.table)).toEqual(['hot']);
  });

  test('the same table name in two schemas is two tables', () => {
    const vacuumedAt = new Map<string, number>();
    markVacuumed(vacuumedAt, table('items', 100, 0));
    expect(tablesDue([table('items', 100, 0), { ...table('items', 100, 0), schema: 'v2' }], vacuumedAt).map((t) => t.schema)).toEqual([
      'v2',
    ]);
  });
});

test('quoteIdent doubles quotes', () => {
  expect(quoteIdent('a"b')).toBe('"a""b"');
});
