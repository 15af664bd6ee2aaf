import type { ReadModelMigration } from '../contract/define-function';
import type { ReadModelDb } from './sql-database';

// Any constant works; it only has to be the same for every replica running migrations.
const MIGRATION_LOCK_KEY = 7_461_001;

/**
 * Applies a version's pending migrations inside its schema (bound by `db`); replicas starting together
 * wait on one advisory lock. Returns the migration versions applied.
 */
export async function migrate(db: ReadModelDb, migrations: readonly ReadModelMigration[]): Promise<number[]> {
  try {
    return await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await tx.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
      const done = new Set(rows.map((row) => Number(row.version)));
      const applied: number[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        for (const statement of migration.sql) await tx.query(statement);
        await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        applied.push(migration.version);
      }
      return applied;
    });
  } catch (err) {
    throw new Error('migrating the read model', { cause: err });
  }
}
