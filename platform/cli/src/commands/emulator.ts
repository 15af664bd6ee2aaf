import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command';
import { checkPortsFree } from '../dev/port-check';
import { nameFlag, portFlag, type RunProjections, runProjectionsFlag, wholeNumber } from '../flag-values';
import { parseFlags } from '../parse-flags';
import { UsageError } from '../usage-error';

const DEFAULT_DATA_DIR = join('.data', 'emulator');

const USAGE = `Usage: spillway emulator [flags]

Runs the EventStoreDB-compatible emulator until SIGINT, SIGTERM or an Operations.Shutdown
call, then finishes the appends in flight, ends every open call with UNAVAILABLE, flushes its
log and exits 0. Prints the connection string (esdb://HOST:PORT?tls=false) on stdout.
A torn tail (the last write cut short by a crash) is dropped at start and reported on
stderr; any other damage to the log stops start-up (exit 1) with a message naming the
file, the byte offset and the positions affected.

Flags:
  --host <host>          interface to listen on (default 127.0.0.1); any other than loopback
                         needs --tls-cert/--tls-key, or --insecure said explicitly
  --insecure             serve a non-loopback --host without TLS (hence without credentials:
                         anyone who reaches it reads and writes every stream), as
                         EventStoreDB's --insecure; a warning is printed at start
  --port <port>          gRPC port (default 2113; 0 picks a free port)
  --data-dir <dir>       durable log folder (default ${DEFAULT_DATA_DIR})
  --mem                  keep everything in memory instead
  --repair               before starting, repair a damaged log in --data-dir: the damaged
                         file is moved aside whole and the log keeps everything before the
                         damage (what is cut is printed; see \`spillway log\`)
  --tls-cert <file>      serve TLS with this PEM certificate (needs --tls-key)
  --tls-key <file>       the certificate's PEM private key
  --user <name:password> require Basic-auth credentials of this user (repeatable; needs
                         TLS, without which @eventstore/db-client sends no credentials)
  --auth                 a secure node (needs TLS): users in $user-<login> streams (built-in
                         admin and ops, password changeit; --user adds more), the Users
                         service, stream ACLs ($acl, $settings) and roles enforced
  --max-append-size <bytes>
                         the most one append may carry (default 1048576, or the
                         EVENTSTORE_MAX_APPEND_SIZE environment variable, as the server)
  --run-projections <none|system|all>
                         system (default): the standard projections write $ce-<category>,
                         $et-<type>, $streams and $category-<category>; all: also
                         user-defined projections (Projections gRPC service); none: no projections`;

interface Emulator {
  readonly connectionString: string;
  close(): Promise<void>;
  /** Resolves once it stopped (close(), or an Operations.Shutdown call). */
  readonly stopped: Promise<void>;
}

interface EmulatorModule {
  startEmulator(options: {
    host: string;
    port: number;
    dataDir?: string;
    memory?: boolean;
    tls?: { cert: Buffer; key: Buffer };
    users?: { username: string; password: string }[];
    auth?: boolean;
    runProjections?: RunProjections;
    maxAppendSize?: number;
  }): Promise<Emulator>;
  repairLog(dataDir: string): { message: string };
}

/** A byte count above zero; `source` names where it came from (the flag or the variable). */
function maxAppendSize(source: string, value: string): number {
  const bytes = wholeNumber(value);
  if (bytes === undefined || bytes === 0) throw new UsageError(`emulator: ${source} must be a number of bytes above 0, got '${value}'`);
  return bytes;
}

// Interfaces that only this machine reaches.
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

function user(value: string): { username: string; password: string } {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new UsageError(`emulator: --user must be name:password, got '${value}'`);
  // An empty password is a credential anyone can guess: a mistake (an unset variable in a script), not a choice.
  if (colon === value.length - 1) throw new UsageError(`emulator: --user ${value.slice(0, colon)} has an empty password`);
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

function readPem(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`emulator: cannot read ${flag} ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export const command: Command = {
  name: 'emulator',
  summary: 'run the EventStoreDB-compatible emulator',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags('emulator', argv, {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      mem: { type: 'boolean' },
      repair: { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      user: { type: 'string', multiple: true },
      'run-projections': { type: 'string' },
      'max-append-size': { type: 'string' },
      auth: { type: 'boolean' },
      insecure: { type: 'boolean' },
    });
    if (values.mem && values['data-dir'] !== undefined) throw new UsageError('emulator: give --data-dir or --mem, not both');
    if (values.mem && values.repair) throw new UsageError('emulator: --repair repairs the log in --data-dir, not --mem');
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
      throw new UsageError('emulator: --tls-cert and --tls-key go together');
    }
    if (values.user !== undefined && values['tls-cert'] === undefined) {
      throw new UsageError('emulator: --user needs --tls-cert and --tls-key (without TLS the client sends no credentials)');
    }
    // Checked before any file is read: a bad credential is named whatever else is wrong.
    const users = values.user?.map(user);
    const host = values.host === undefined ? '127.0.0.1' : nameFlag('emulator', '--host', values.host);
    const tls = values['tls-cert'] !== undefined;
    if (values.insecure && tls) throw new UsageError('emulator: --insecure and --tls-cert contradict each other; give one');
    // Loopback is this machine only; anything else without TLS is a store open to the network: say so explicitly.
    if (!tls && !LOOPBACK_HOST.test(host) && !values.insecure) {
      throw new UsageError(
        `emulator: --host ${host} without TLS serves every stream to anyone who reaches it; give --tls-cert/--tls-key, or --insecure to mean it`,
      );
    }
    if (values.insecure) process.stderr.write(`emulator: WARNING insecure: no TLS and no authentication on ${host}\n`);
    const options: Parameters<EmulatorModule['startEmulator']>[0] = {
      // Checked: an empty host makes Node listen on every interface, the opposite of what a blank flag suggests.
      host,
      port: values.port === undefined ? 2113 : portFlag('emulator', '--port', values.port),
      ...(values.mem ? { memory: true } : { dataDir: values['data-dir'] ?? DEFAULT_DATA_DIR }),
    };
    if (values['tls-cert'] !== undefined && values['tls-key'] !== undefined) {
      options.tls = { cert: readPem('--tls-cert', values['tls-cert']), key: readPem('--tls-key', values['tls-key']) };
    }
    if (users !== undefined) options.users = users;
    if (values.auth) {
      if (values['tls-cert'] === undefined)
        throw new UsageError('emulator: --auth needs --tls-cert and --tls-key (without TLS the client sends no credentials)');
      options.auth = true;
    }
    if (values['run-projections'] !== undefined) options.runProjections = runProjectionsFlag('emulator', values['run-projections']);
    // The server's own variable, so a setting written for a real node carries over; the flag wins.
    const envMaxAppendSize = process.env['EVENTSTORE_MAX_APPEND_SIZE'];
    if (values['max-append-size'] !== undefined) options.maxAppendSize = maxAppendSize('--max-append-size', values['max-append-size']);
    else if (envMaxAppendSize !== undefined) options.maxAppendSize = maxAppendSize('EVENTSTORE_MAX_APPEND_SIZE', envMaxAppendSize);

    // Loaded here so that `spillway --help` does not pay for the gRPC stack.
    const { startEmulator, repairLog } = require('@spillway/emulator') as EmulatorModule;
    if (values.repair && options.dataDir !== undefined) process.stderr.write(`emulator: repair: ${repairLog(options.dataDir).message}\n`);
    // One clear line for a port in use, before the gRPC library prints "No address added out of total 1 resolved".
    await checkPortsFree([{ what: 'the emulator', port: options.port, flag: '--port' }], options.host);
    const emulator = await startEmulator(options);
    process.stdout.write(`${emulator.connectionString}\n`);

    const reason = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
      // Operations.Shutdown stops the emulator from the inside; the process then exits as on a signal.
      emulator.stopped.then(() => resolve('Operations.Shutdown'));
    });
    process.stderr.write(`emulator: ${reason}, flushing and stopping\n`);
    await emulator.close();
    return 0;
  },
};
