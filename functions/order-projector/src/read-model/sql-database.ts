/** What a statement returns, the same from `pg` and from PGlite. */
export interface SqlResult<R> {
  readonly rows: R[];
  /** Rows inserted, updated or deleted. */
  readonly affected: number;
}

/** Runs statements; inside `transaction` it is bound to that transaction. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

/**
 * The read model's one database seam: PostgreSQL through `pg` or an embedded PGlite,
 * with the same SQL. `transaction` commits when `work` resolves and rolls back when it throws.
 */
export interface SqlDatabase extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
