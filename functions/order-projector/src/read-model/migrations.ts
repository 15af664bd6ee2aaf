import type { ReadModelMigration } from '@spillway/runtime';

/** Ordered, append-only: a released migration is never edited, a change is a new entry. */
export const migrations: readonly ReadModelMigration[] = [
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
