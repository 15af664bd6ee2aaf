import { openPglite } from './pglite-database';
import { openPostgres } from './postgres-database';
import type { SqlDatabase } from './sql-database';

/** PostgreSQL when a connection string is given, otherwise an embedded PGlite in `dataDir`. */
export async function openDatabase(options: { databaseUrl?: string; dataDir?: string }): Promise<SqlDatabase> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openPglite(options.dataDir);
}
