import { FLUSH_STATISTICS, markVacuumed, quoteIdent, TABLE_ACTIVITY, type TableActivity, tablesDue } from './pglite-vacuum';
import type { ReadModelDb, SqlDatabase, SqlExecutor, SqlResult } from './sql-database';

type PgliteModule = typeof import('@electric-sql/pglite');
type Pglite = InstanceType<PgliteModule['PGlite']>;
type BackendMessage = Awaited<ReturnType<Pglite['execProtocolStream']>>[number];

/** PGlite with a view per read-model version, each of whose transactions starts in that version's schema. */
export interface PgliteDatabase extends SqlDatabase {
  /** `searchPath` is spliced into SQL: the caller vouches that it is a plain schema name. */
  inSchema(searchPath: string): ReadModelDb;
  /** Frees what statements of `searchPath` kept (its schema is gone). */
  release(searchPath: string): Promise<void>;
}

/**
 * A parameter in PostgreSQL's text form, decided by its JavaScript type as `pg` does (the server infers
 * each parameter's type from the statement): PGlite's own `query` asks the server for the types first,
 * an extra exchange per statement.
 */
export function parameterText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return arrayLiteral(value);
  return scalarText(value);
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'object') return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

const ARRAY_ELEMENT_ESCAPES = /["\\]/g;

function arrayLiteral(values: readonly unknown[]): string {
  const elements = values.map((value) => {
    if (value === null || value === undefined) return 'NULL';
    if (Array.isArray(value)) return arrayLiteral(value);
    return `"${scalarText(value).replace(ARRAY_ELEMENT_ESCAPES, '\\$&')}"`;
  });
  return `{${elements.join(',')}}`;
}

// Bounds the statements kept prepared (a few dozen shapes are in use); past it a statement is parsed each time.
const MAX_PREPARED = 500;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export interface PgliteOptions {
  /** How often, after writes, the tables are looked at for a vacuum (see pglite-vacuum.ts); 0: never. */
  readonly vacuumCheckMs?: number;
}

// About two thousand changes of a hot row at 200 orders a second; one look costs two calls of a fraction of a millisecond.
const VACUUM_CHECK_MS = 2_000;
// The command tags of statements that change rows.
const CHANGED_ROWS = /^(INSERT|UPDATE|DELETE|MERGE) /;

/**
 * Opens PGlite and talks to it a message batch per statement. PGlite's `query` runs a statement as six
 * separate calls into the database (parse, describe the statement, bind, describe the portal, execute,
 * sync), each parsed on its own, and its `transaction` adds BEGIN and COMMIT with a sync each: a read-model
 * transaction of eight statements made over fifty calls. Here a statement is one call (bind, describe, execute
 * and sync sent together, after a parse the first time only), BEGIN rides on the first statement's call, and
 * so does setting the session's search_path to the version's schema when the last call left another there.
 */
export async function openPgliteDatabase(dataDir: string | undefined, options: PgliteOptions = {}): Promise<PgliteDatabase> {
  const { PGlite, protocol, parse } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dataDir);
  const { serialize } = protocol;
  const TAIL = concat([serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]);

  // Keeps one statement's messages from interleaving with another's inside PGlite, as its own query does.
  const send = (message: Uint8Array): Promise<BackendMessage[]> =>
    db.runExclusive(() => db.execProtocolStream(message, { syncToFs: false }));

  // Statements run again and again (the projector's few shapes of statement, the API's reads) are prepared once
  // per schema: PostgreSQL then skips parsing them and, once a generic plan proves as cheap, planning them,
  // most of what a small statement costs PGlite. A statement's plan follows later changes to its tables; a
  // version's statements are closed when its schema is released.
  const prepared = new Map<string, string>();
  let preparedCount = 0;

  // The session's search_path as this module last set it ('' is the default path; undefined: not known). It is
  // set only when a call needs another, as a statement of its own before any transaction, so it stays set and
  // one version's statements run under an unchanged path. It was a `SET LOCAL search_path` in every
  // transaction, which made a plain read four statements (BEGIN, the path, the read, COMMIT) and had
  // PostgreSQL analyse each prepared statement again: a `getOrder` read 217 -> 169 us of CPU; the projector's
  // transactions did not measurably change. The statements run here must not set search_path themselves.
  let pathNow: string | undefined;
  const pathFor = (scope: string): Uint8Array | undefined => {
    if (pathNow === scope) return undefined;
    pathNow = scope;
    return serialize.query(`SET search_path TO ${scope === '' ? 'DEFAULT' : scope}`);
  };

  // Whether a statement changed rows since the tables were last looked at for a vacuum.
  let wrote = false;
  const vacuumedAt = new Map<string, number>();

  /**
   * One statement in one call, under the search_path `scope` names (its prepared form is that path's). `begin`,
   * a simple query sent in the same call after setting the path, opens its transaction; without it the
   * statement commits by itself.
   */
  async function statement<R>(sql: string, params: readonly unknown[], scope: string, begin?: Uint8Array): Promise<SqlResult<R>> {
    const key = `${scope}\n${sql}`;
    let name = prepared.get(key);
    const fresh = name === undefined;
    if (name === undefined) name = prepared.size < MAX_PREPARED ? `spillway_${++preparedCount}` : '';
    const parts = [serialize.bind({ statement: name, values: params.map(parameterText) }), TAIL];
    if (fresh) parts.unshift(serialize.parse({ text: sql, name }));
    if (begin) parts.unshift(begin);
    const path = pathFor(scope);
    if (path) parts.unshift(path);
    let messages: BackendMessage[];
    try {
      // A failed statement throws here, after PGlite ran the whole call.
      messages = await send(concat(parts));
    } catch (err) {
      // Prepared afresh next time, in case its failure was its own (its plan no longer fitting its tables).
      prepared.delete(key);
      // Whether the path was set is not known: it is set again next time.
      pathNow = undefined;
      throw err;
    }
    if (fresh && name !== '') prepared.set(key, name);
    if (!wrote) wrote = messages.some((m) => m.name === 'commandComplete' && CHANGED_ROWS.test((m as { text?: string }).text ?? ''));
    const from = messages.findIndex((m) => m.name === 'bindComplete');
    const to = messages.findIndex((m, i) => i > from && m.name === 'readyForQuery');
    const [result] = parse.parseResults(messages.slice(from, to), db.parsers);
    return { rows: (result?.rows ?? []) as R[], affected: result?.affectedRows ?? 0 };
  }

  const lastCommand = (messages: readonly BackendMessage[]): string | undefined =>
    messages.filter((m): m is BackendMessage & { text: string } => m.name === 'commandComplete').at(-1)?.text;

  async function simple(sql: string): Promise<string | undefined> {
    return lastCommand(await send(serialize.query(sql)));
  }

  /** Vacuums the tables whose changes since their last vacuum call for one (PGlite has no autovacuum). */
  async function vacuumDue(): Promise<void> {
    if (!wrote) return;
    wrote = false;
    try {
      await simple(FLUSH_STATISTICS);
      // Under whatever path is set: the statistics views are found on any.
      const { rows } = await statement<TableActivity>(TABLE_ACTIVITY, [], pathNow ?? '');
      for (const table of tablesDue(rows, vacuumedAt)) {
        await simple(`VACUUM ${quoteIdent(table.schema)}.${quoteIdent(table.table)}`);
        markVacuumed(vacuumedAt, table);
      }
      await db.syncToFs();
    } catch {
      // Looked at again next time (a table dropped meanwhile, the database closing); a read model is only slower unvacuumed.
      wrote = true;
    }
  }

  // PGlite has one connection: transactions, and plain statements between them, take turns.
  let tail: Promise<unknown> = Promise.resolve();
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = tail.then(work, work);
    tail = run.catch(() => {});
    return run;
  }

  // COMMIT of a transaction a failed statement aborted answers ROLLBACK, not an error.
  const committed = (tag: string | undefined) => {
    if (tag !== 'COMMIT') throw new Error('the transaction was rolled back instead of committed');
  };

  const BEGIN = serialize.query('BEGIN');

  async function transaction<T>(scope: string, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return exclusive(async () => {
      // BEGIN goes out with the transaction's first statement, in its call.
      let unopened: Uint8Array | undefined = BEGIN;
      let open = true;
      const tx: SqlExecutor = {
        query<R>(sql: string, params: readonly unknown[] = []) {
          if (!open) return Promise.reject(new Error('the transaction has ended'));
          const begin = unopened;
          unopened = undefined;
          return statement<R>(sql, params, scope, begin);
        },
      };
      let result: T;
      try {
        result = await work(tx);
      } catch (err) {
        open = false;
        if (!unopened) await simple('ROLLBACK');
        throw err;
      }
      open = false;
      if (unopened) return result;
      committed(await simple('COMMIT'));
      await db.syncToFs();
      return result;
    });
  }

  const checkMs = options.vacuumCheckMs ?? VACUUM_CHECK_MS;
  const vacuuming = checkMs > 0 ? setInterval(() => void exclusive(vacuumDue), checkMs) : undefined;
  vacuuming?.unref();

  // A plain statement commits by itself, in one call with setting the path when that is needed.
  const view = (scope: string): ReadModelDb => ({
    kind: 'pglite',
    query: <R>(sql: string, params: readonly unknown[] = []) =>
      exclusive(async () => {
        const result = await statement<R>(sql, params, scope);
        await db.syncToFs();
        return result;
      }),
    transaction: (work) => transaction(scope, work),
  });

  return {
    ...view(''),
    inSchema: (searchPath) => view(searchPath),
    release: (searchPath) =>
      exclusive(async () => {
        const names: string[] = [];
        for (const [key, name] of prepared) {
          if (!key.startsWith(`${searchPath}\n`)) continue;
          prepared.delete(key);
          names.push(name);
        }
        if (names.length > 0) await send(concat([...names.map((name) => serialize.close({ type: 'S', name })), serialize.sync()]));
      }),
    close: () => {
      clearInterval(vacuuming);
      return exclusive(() => db.close());
    },
  };
}
