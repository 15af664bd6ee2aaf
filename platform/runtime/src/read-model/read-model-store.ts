import { openPostgres, type SqlLocation } from './open-sql-database';
import { openPgliteDatabase } from './pglite-database';
import type { ReadModelDb, SqlDatabase } from './sql-database';

// Schemas are named by the runtime from the function name and a version label; this keeps them safe to splice into SQL.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The read model database, seen unbound (the registry, DDL across schemas) or bound to one version's schema. */
export interface ReadModelStore {
  readonly kind: 'postgres' | 'pglite';
  /** Unbound: names must be schema-qualified. */
  readonly control: ReadModelDb;
  /** A view of the database in which unqualified names resolve in `schema`. */
  bind(schema: string): ReadModelDb;
  /** Closes what `bind(schema)` opened (after the schema is dropped). */
  release(schema: string): Promise<void>;
  close(): Promise<void>;
}

export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`'${schema}' is not a schema name the read model runtime makes`);
  return schema;
}

/**
 * PostgreSQL: one small pool per schema, each connection started with that `search_path`. PGlite has
 * one connection: a bound statement or transaction sets the path first when the last one left another
 * there (transactions take turns on it, so two versions in one process never see each other's path).
 */
export async function openReadModelStore(location: SqlLocation): Promise<ReadModelStore> {
  if (location.databaseUrl) {
    const url = location.databaseUrl;
    const control = openPostgres(url);
    const pools = new Map<string, SqlDatabase>();
    return {
      kind: 'postgres',
      control,
      bind(schema) {
        let pool = pools.get(schema);
        if (!pool) {
          pool = openPostgres(url, assertSchemaName(schema));
          pools.set(schema, pool);
        }
        return pool;
      },
      async release(schema) {
        const pool = pools.get(schema);
        pools.delete(schema);
        await pool?.close();
      },
      async close() {
        await Promise.all([...pools.values()].map((pool) => pool.close()));
        pools.clear();
        await control.close();
      },
    };
  }
  const db = await openPgliteDatabase(location.dataDir);
  return {
    kind: 'pglite',
    control: db,
    bind: (schema) => db.inSchema(assertSchemaName(schema)),
    release: (schema) => db.release(schema),
    close: () => db.close(),
  };
}
