import { assertSchemaName } from './read-model-store';
import type { SqlExecutor } from './sql-database';

// A few differing rows per table are enough to see what is wrong; the counts say how much.
const SAMPLE_ROWS = 5;

/** How one table differs between the live version and a scratch rebuild of it. */
export interface TableDifference {
  readonly table: string;
  /** Rows in live and not in the rebuild (duplicates counted), and the reverse. */
  readonly onlyInLive: number;
  readonly onlyInRebuild: number;
  readonly samples: { readonly onlyInLive: readonly unknown[]; readonly onlyInRebuild: readonly unknown[] };
}

export interface Comparison {
  readonly tables: readonly string[];
  readonly rows: number;
  readonly differences: readonly TableDifference[];
}

async function tablesOf(db: SqlExecutor, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
    [schema],
  );
  return rows.map((row) => row.table_name);
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Compares every table of two schemas row by row (EXCEPT ALL both ways), in one snapshot. The runtime's
 * own bookkeeping (`schema_migrations`, whose applied_at differs by nature) is left out.
 */
export async function compareSchemas(db: SqlExecutor, live: string, rebuild: string): Promise<Comparison> {
  const [a, b] = [assertSchemaName(live), assertSchemaName(rebuild)];
  const liveTables = (await tablesOf(db, a)).filter((t) => t !== 'schema_migrations');
  const rebuildTables = new Set((await tablesOf(db, b)).filter((t) => t !== 'schema_migrations'));
  const differences: TableDifference[] = [];
  let total = 0;
  for (const table of liveTables) {
    if (!rebuildTables.has(table)) {
      differences.push({
        table,
        onlyInLive: -1,
        onlyInRebuild: 0,
        samples: { onlyInLive: ['table missing in the rebuild'], onlyInRebuild: [] },
      });
      continue;
    }
    rebuildTables.delete(table);
    const [x, y] = [`${a}.${quote(table)}`, `${b}.${quote(table)}`];
    const side = async (from: string, minus: string) => {
      const diff = `SELECT * FROM ${from} EXCEPT ALL SELECT * FROM ${minus}`;
      const counted = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM (${diff}) d`);
      const sample = await db.query<{ row: unknown }>(`SELECT row_to_json(d) AS row FROM (${diff}) d LIMIT ${SAMPLE_ROWS}`);
      return { count: Number(counted.rows[0]?.n ?? 0), rows: sample.rows.map((r) => r.row) };
    };
    const [left, right] = [await side(x, y), await side(y, x)];
    const counted = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${x}`);
    total += Number(counted.rows[0]?.n ?? 0);
    if (left.count > 0 || right.count > 0) {
      differences.push({
        table,
        onlyInLive: left.count,
        onlyInRebuild: right.count,
        samples: { onlyInLive: left.rows, onlyInRebuild: right.rows },
      });
    }
  }
  for (const table of rebuildTables) {
    differences.push({
      table,
      onlyInLive: 0,
      onlyInRebuild: -1,
      samples: { onlyInLive: [], onlyInRebuild: ['table missing in the live version'] },
    });
  }
  return { tables: liveTables, rows: total, differences };
}
