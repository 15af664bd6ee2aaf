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
 * One read-model version as a function sees it: unqualified table names resolve in that version's
 * schema. `transaction` commits when `work` resolves and rolls back when it throws.
 */
export interface ReadModelDb extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** A read model database with a connection to close: what `openSqlDatabase` returns. */
export interface SqlDatabase extends ReadModelDb {
  close(): Promise<void>;
}
