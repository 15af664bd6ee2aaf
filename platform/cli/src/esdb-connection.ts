import { UsageError } from './usage-error';

/** The forms @eventstore/db-client accepts (as the runtime's and the autoscaler's configuration check them). */
const ESDB_URL = /^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\/\S+$/;
/** Where `spillway dev` and `spillway emulator` listen by default. */
export const DEFAULT_ESDB_CONNECTION = 'esdb://127.0.0.1:2113?tls=false';

/** The `--connection` line of every command that talks to EventStoreDB, so they all say the same. */
export const CONNECTION_USAGE = `  --connection URL  EventStoreDB connection string (default: ESDB_CONNECTION_STRING, else ${DEFAULT_ESDB_CONNECTION})`;

/**
 * Which EventStoreDB a command talks to, the same way for every command: `--connection`, else
 * ESDB_CONNECTION_STRING (empty counts as unset, as in a Kubernetes manifest), else the local
 * default. A bad flag is a usage error (exit 2); a bad variable stops the command naming it.
 */
export function esdbConnection(command: string, flag: string | undefined): string {
  if (flag !== undefined) {
    if (!ESDB_URL.test(flag)) throw new UsageError(`${command}: --connection must be an esdb:// connection string, got '${flag}'`);
    return flag;
  }
  // The CLI's one read of this variable: every command comes through here.
  const fromEnv = process.env['ESDB_CONNECTION_STRING'];
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_ESDB_CONNECTION;
  if (!ESDB_URL.test(fromEnv)) {
    throw new Error(`${command}: invalid configuration: ESDB_CONNECTION_STRING: expected an esdb:// connection string, got '${fromEnv}'`);
  }
  return fromEnv;
}
