import type { Pool, PoolClient } from 'pg';
import { openPgliteDatabase } from './pglite-database';
import type { SqlDatabase, SqlExecutor, SqlResult } from './sql-database';

// A replica applies few events at once per version; small pools leave connections for the other replicas.
const POOL_SIZE = 5;
// Fail a start-up against an unreachable server in seconds, not after the OS TCP timeout.
const CONNECT_TIMEOUT_MS = 5_000;

// The database drivers are not the runtime's dependencies but those of the function that declares a read model
// (order-projector declares pg and @electric-sql/pglite), and they load only when a read model opens: so an
// image of a function without one (order-create, stock-reservation) carries neither. npm installs even optional
// peer dependencies into every workspace image, hence no peer declaration.
function loadPg(): typeof import('pg') {
  return require('pg') as typeof import('pg');
}

/** Where a read model lives: PostgreSQL when a connection string is given, else PGlite in `dataDir` (in memory when unset). */
export interface SqlLocation {
  readonly databaseUrl?: string;
  readonly dataDir?: string;
}

function pgExecutor(client: Pool | PoolClient): SqlExecutor {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      const result = await client.query(sql, params as unknown[]);
      return { rows: result.rows as R[], affected: result.rowCount ?? 0 };
    },
  };
}

/** PostgreSQL through a `pg` pool; `searchPath` fixes the schema unqualified names resolve in, on every connection. */
export function openPostgres(connectionString: string, searchPath?: string): SqlDatabase {
  const { Pool } = loadPg();
  const pool = new Pool({
    connectionString,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(searchPath === undefined ? {} : { options: `-c search_path=${searchPath}` }),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    ...pgExecutor(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(pgExecutor(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** PostgreSQL when a connection string is given, otherwise an embedded PGlite in `dataDir`. */
export async function openSqlDatabase(location: SqlLocation): Promise<SqlDatabase> {
  if (location.databaseUrl) return openPostgres(location.databaseUrl);
  return openPgliteDatabase(location.dataDir);
}
