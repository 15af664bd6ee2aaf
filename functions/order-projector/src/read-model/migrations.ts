import type { SqlDatabase } from './sql-database';

/** Ordered, append-only: a released migration is never edited, a change is a new entry. */
export const migrations: readonly { readonly version: number; readonly name: string; readonly sql: readonly string[] }[] = [
  {
    version: 1,
    name: 'orders, order lines, inventory, stream checkpoints',
    sql: [
      `CREATE TABLE orders (
        order_id text PRIMARY KEY,
        customer_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'reserved', 'rejected', 'cancelled')),
        total_amount numeric(16, 2) NOT NULL,
        currency text NOT NULL,
        created_at timestamptz NOT NULL,
        rejection_reasons jsonb
      )`,
      'CREATE INDEX orders_by_created ON orders (created_at DESC, order_id DESC)',
      'CREATE INDEX orders_by_customer ON orders (customer_id, created_at DESC, order_id DESC)',
      'CREATE INDEX orders_by_status ON orders (status, created_at DESC, order_id DESC)',
      `CREATE TABLE order_lines (
        order_id text NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
        line_no integer NOT NULL,
        sku text NOT NULL,
        quantity integer NOT NULL,
        unit_price numeric(16, 2) NOT NULL,
        PRIMARY KEY (order_id, line_no)
      )`,
      `CREATE TABLE inventory (
        sku text PRIMARY KEY,
        on_hand bigint NOT NULL DEFAULT 0,
        reserved bigint NOT NULL DEFAULT 0,
        available bigint GENERATED ALWAYS AS (on_hand - reserved) STORED
      )`,
      // The last applied revision of every projected stream: the guard that makes redelivery harmless.
      'CREATE TABLE stream_checkpoints (stream_id text PRIMARY KEY, revision bigint NOT NULL)',
    ],
  },
];

// Any constant works; it only has to be the same for every replica of the projector.
const MIGRATION_LOCK_KEY = 7_461_001;

/** Applies pending migrations; replicas starting together wait on one advisory lock. Returns the versions applied. */
export async function migrate(db: SqlDatabase): Promise<number[]> {
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
