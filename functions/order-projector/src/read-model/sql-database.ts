// The runtime owns the connection and binds it to the read-model version being built or served.
export type { ReadModelDb as SqlDatabase, SqlExecutor, SqlResult } from '@spillway/runtime';
