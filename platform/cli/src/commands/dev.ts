import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { formatAccess, type Gateway, RouteConflictError, type RunningConsole, startConsole, startGateway } from '@spillway/console';
import type { Command } from '../command';
import { banner } from '../dev/banner';
import { consoleFunctions } from '../dev/console-functions';
import { lockDataDir } from '../dev/data-dir-lock';
import { DEFAULT_PORTS_FROM, devOptions } from '../dev/dev-options';
import { devProjections } from '../dev/dev-projections';
import { functionFolders } from '../dev/function-folders';
import { functionPorts } from '../dev/function-ports';
import { PidFiles, stopLeftovers } from '../dev/leftovers';
import { type LocalFunctions, startLocalFunctions } from '../dev/local-functions';
import { checkPortsFree } from '../dev/port-check';
import { describeReadModels, runPlan } from '../dev/run-plan';
import { DEV_LAG_PER_REPLICA, DEV_MAX_REPLICAS, DEV_SCALE_DOWN_SECONDS } from '../dev/scaling-plan';
import type { RunProjections } from '../flag-values';

// The issue promises a ready shop within 15 s; PGlite's first initdb alone takes a few seconds on a slow machine.
const READY_DEADLINE_MS = 60_000;
// A function drains within its own DRAIN_TIMEOUT_MS; dev sets a short one and waits a little longer before SIGKILL.
const FUNCTION_DRAIN_MS = 5_000;
const STOP_GRACE_MS = FUNCTION_DRAIN_MS + 3_000;

const USAGE = `Usage: spillway dev [flags]

Runs every function of the repository on this machine, beside the emulator (durable, in the data
folder): each folder under functions/ whose module default-exports defineFunction({...}) (folders
that export none, such as functions/contracts, are libraries and are passed over). A function with
a subscription runs in a local process pool the autoscaler scales by its group's lag (${DEV_LAG_PER_REPLICA} events
per replica, at least 1 replica, down after a ${DEV_SCALE_DOWN_SECONDS} s window, each decision printed); one without
runs as one process. The first replica keeps the printed port; further ones listen on ports the OS
picks. A function with a read model uses PGlite in the data folder (one replica), or PostgreSQL
when DATABASE_URL is set. The shop's functions keep ports 8081-8083; others count up from 8084 in
name order, skipping ports in use. Once they are ready, a gateway on :8080 routes each request to
the function that declares its method and path (two functions declaring the same one is an error),
balanced over that function's ready replicas, and serves the live console at /console. A function
that exits is started again, after 1 s, doubling up to 30 s while it keeps dying (each restart is
printed); only a failure of the emulator stops dev. Ctrl-C stops everything; a second start resumes
from the same data. Functions exit by themselves if dev is killed, and a start first stops anything
an earlier run left running (pids in <data-dir>/pids).

Flags:
  --dir <dir>                      the repository (default: the nearest folder upwards with functions/)
  --data-dir <dir>                 data folder (default: .data in the repository)
  --emulator-port <port>           emulator gRPC port (default 2113)
  --gateway-port <port>            the gateway: every function's routes on one port (default 8080)
  --order-create-port <port>       default 8081
  --stock-reservation-port <port>  default 8082
  --order-projector-port <port>    default 8083
  --ports-from <port>              first port for every other function (default ${DEFAULT_PORTS_FROM}; 0: free ports the OS picks)
  --database-url <url>             PostgreSQL for the read models (default: DATABASE_URL, else PGlite)
  --log-level <level>              functions' log level (default warn)
  --no-autoscale                   one process per function, no scaling
  --max-replicas <n>               most replicas per scaled function (default: one per core beyond the first, 1 to ${DEV_MAX_REPLICAS}; a read model: 1 on PGlite, 2 on PostgreSQL)
  --scale-down-seconds <s>         scale-down window (default ${DEV_SCALE_DOWN_SECONDS})
  --run-projections <level>        none, system or all, as the emulator's flag (default: none, as the chart runs
                                   EventStoreDB; system when a function subscribes to a $ce-, $et-, $category-
                                   or $streams stream, which only the standard projections write)

Port 0 picks a free port.`;

interface Emulator {
  readonly connectionString: string;
  readonly port: number;
  close(): Promise<void>;
}

function startEmulator(dataDir: string, port: number, runProjections: RunProjections): Promise<Emulator> {
  // Loaded only when dev runs, so `spillway --help` does not pull in the gRPC server.
  const emulator = require('@spillway/emulator') as {
    startEmulator?: (options: { dataDir: string; port: number; runProjections: RunProjections }) => Promise<Emulator>;
  };
  if (!emulator.startEmulator) throw new Error('@spillway/emulator does not provide startEmulator yet');
  return emulator.startEmulator({ dataDir, port, runProjections });
}

async function run(argv: string[]): Promise<number> {
  const options = await devOptions(argv);
  const { dataDir, databaseUrl } = options;
  const started = Date.now();
  // Loaded before anything starts: a module that fails to load is named at once, not as a crash loop.
  const found = functionFolders(options.root);
  if (found.functions.length === 0) throw new Error(`no function under ${join(options.root, 'functions')} (see spillway new)`);
  mkdirSync(join(dataDir, 'emulator'), { recursive: true });
  const unlock = lockDataDir(dataDir);
  const pids = new PidFiles(dataDir);
  let functions: ReturnType<typeof runPlan>;
  try {
    // The earlier dev is gone (the lock was free): what it left running goes before anything new starts.
    process.stdout.write(await stopLeftovers(pids));
    const ports = await functionPorts(
      found.functions.map((fn) => fn.name),
      options.documentedPorts,
      options.portsFrom,
      [options.ports.emulator, options.ports.gateway],
    );
    functions = runPlan(found.functions, options, ports);
    await checkPortsFree([
      { what: 'the emulator', port: options.ports.emulator, flag: '--emulator-port' },
      ...functions.map(({ name, port }) => ({
        what: name,
        port,
        flag: options.documentedPorts.has(name) ? `--${name}-port` : '--ports-from',
      })),
      { what: 'the gateway', port: options.ports.gateway, flag: '--gateway-port' },
    ]);
  } catch (err) {
    unlock();
    throw err;
  }

  const projections = devProjections(options.runProjections, found.functions);
  const emulator = await startEmulator(join(dataDir, 'emulator'), options.ports.emulator, projections.level).catch((err: unknown) => {
    unlock();
    // The bin prints only the message, so the cause goes into it (a port in use is the usual one).
    throw new Error(`starting the emulator on port ${options.ports.emulator}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  });
  const base = {
    ESDB_CONNECTION_STRING: emulator.connectionString,
    LOG_LEVEL: options.logLevel,
    DRAIN_TIMEOUT_MS: String(FUNCTION_DRAIN_MS),
    // The gateway reads every resource a function creates, whichever function serves it.
    PUBLIC_BASE_URL: `http://127.0.0.1:${options.ports.gateway}`,
  };
  let local: LocalFunctions;
  try {
    local = startLocalFunctions({
      functions,
      base,
      esdbConnectionString: emulator.connectionString,
      stopGraceMs: STOP_GRACE_MS,
      pids,
    });
  } catch (err) {
    await emulator.close();
    unlock();
    throw err;
  }
  // Backstop if dev itself dies: detached children would otherwise outlive it.
  process.once('exit', local.kill);
  let gateway: Gateway | undefined;
  let liveConsole: RunningConsole | undefined;
  const consoleClient = EventStoreDBClient.connectionString(emulator.connectionString);
  const stopAll = async () => {
    await liveConsole?.close();
    await gateway?.close();
    await consoleClient.dispose();
    await local.stop();
    await emulator.close();
    unlock();
    process.off('exit', local.kill);
  };
  const failed = new Promise<Error>((resolveFailure) => {
    process.once('uncaughtException', (err) => resolveFailure(err));
  });
  // Listened for from the start: Ctrl-C during start-up stops what has started, as it does later.
  const signalled = new Promise<NodeJS.Signals>((resolveSignal) => {
    process.once('SIGINT', resolveSignal);
    process.once('SIGTERM', resolveSignal);
  });

  const startUp = await Promise.race([
    local.ready(Date.now() + READY_DEADLINE_MS).then(
      (urls) => ({ urls }),
      (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
    ),
    signalled.then((signal) => ({ signal })),
  ]);
  if ('error' in startUp) {
    process.stderr.write(`spillway dev: ${startUp.error}\n`);
    await stopAll();
    return 1;
  }
  if ('urls' in startUp) {
    try {
      gateway = await startGateway({
        functions: local.gatewayFunctions(),
        port: options.ports.gateway,
        onAccess: (entry) => {
          // The console's own API and assets would drown the functions' requests.
          if (!entry.url.startsWith('/console')) process.stdout.write(`[gateway] ${formatAccess(entry)}\n`);
        },
      });
      liveConsole = await startConsole({
        gateway,
        client: consoleClient,
        functions: consoleFunctions(functions, local),
      });
    } catch (err) {
      // Two functions declaring one route is the user's to fix in a definition, not a gateway failure.
      const context = err instanceof RouteConflictError ? '' : `starting the gateway on port ${options.ports.gateway}: `;
      process.stderr.write(`spillway dev: ${context}${(err as Error).message}\n`);
      await stopAll();
      return 1;
    }
    const seconds = (Date.now() - started) / 1000;
    const scaling = await local.scalingLines();
    process.stdout.write(
      banner({
        dataDir,
        emulator: emulator.connectionString,
        projections,
        gateway: gateway.url,
        console: liveConsole.url,
        urls: startUp.urls,
        skipped: found.skipped,
        readModel: describeReadModels(functions, databaseUrl),
        seconds,
        autoscale: options.scaling !== undefined,
        scaling,
        reservationMax: functions.find((fn) => fn.name === 'stock-reservation')?.scaling?.maxReplicas,
      }),
    );
  }

  // Functions that die are restarted; what cannot be is the emulator, which runs in this process.
  const outcome = await Promise.race([
    signalled.then((signal) => ({ code: 0, reason: signal as string })),
    failed.then((err) => {
      process.stderr.write(`spillway dev: the emulator (or dev itself) failed, so the shop stops: ${err.message}\n`);
      return { code: 1, reason: 'the emulator failed' };
    }),
  ]);
  process.stdout.write(`\nstopping (${outcome.reason})...\n`);
  await stopAll();
  process.stdout.write('stopped\n');
  return outcome.code;
}

export const command: Command = {
  name: 'dev',
  summary: 'run every function on this machine (emulator, read models, functions scaled by lag, gateway)',
  usage: USAGE,
  run,
};
