import { Pool, type PoolClient } from 'pg';
import type { SqlDatabase, SqlExecutor, SqlResult } from './sql-database';

// A projector replica applies few events at once; a small pool leaves connections for the other replicas.
const POOL_SIZE = 5;
// Fail a start-up against an unreachable server in seconds, not after the OS TCP timeout.
const CONNECT_TIMEOUT_MS = 5_000;

function executor(client: Pool | PoolClient): SqlExecutor {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      const result = await client.query(sql, params as unknown[]);
      return { rows: result.rows as R[], affected: result.rowCount ?? 0 };
    },
  };
}

/** PostgreSQL through a `pg` pool. */
export function openPostgres(connectionString: string): SqlDatabase {
  const pool = new Pool({ connectionString, max: POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    ...executor(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(executor(client));
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
