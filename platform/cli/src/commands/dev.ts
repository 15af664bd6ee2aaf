import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command';
import { banner } from '../dev/banner';
import { lockDataDir } from '../dev/data-dir-lock';
import { freePort } from '../dev/free-port';
import { type FunctionProcess, isRunning, type ShopFunctionName, spawnFunction, stopProcess, waitReady } from '../dev/function-process';
import { type ScaledFunctions, startScaledFunctions } from '../dev/scaled-functions';
import {
  DEV_LAG_PER_REPLICA,
  DEV_MAX_REPLICAS,
  DEV_SCALE_DOWN_SECONDS,
  describeScaling,
  type ScaledFunctionName,
  scalingPlan,
} from '../dev/scaling-plan';
import { parseFlags } from '../parse-flags';
import { UsageError } from '../usage-error';

// The issue promises a ready shop within 15 s; PGlite's first initdb alone takes a few seconds on a slow machine.
const READY_DEADLINE_MS = 60_000;
// A function drains within its own DRAIN_TIMEOUT_MS; dev sets a short one and waits a little longer before SIGKILL.
const FUNCTION_DRAIN_MS = 5_000;
const STOP_GRACE_MS = FUNCTION_DRAIN_MS + 3_000;

const USAGE = `Usage: spillway dev [flags]

Runs the shop on this machine: the emulator (durable, in the data folder), the read model
(PGlite in the data folder, or PostgreSQL when DATABASE_URL is set) and the three functions
as separate processes. stock-reservation and order-projector run in local process pools that
the autoscaler scales by their subscription's lag (${DEV_LAG_PER_REPLICA} events per replica, at least 1 replica,
down after a ${DEV_SCALE_DOWN_SECONDS} s window); each decision is printed. The first replica keeps the
documented port; further ones listen on ports the OS picks. The projector stays at 1 replica on
PGlite. Ctrl-C stops everything; a second start resumes from the same data.

Flags:
  --data-dir <dir>                 data folder (default .data)
  --emulator-port <port>           emulator gRPC port (default 2113)
  --order-create-port <port>       default 8081
  --stock-reservation-port <port>  default 8082
  --order-projector-port <port>    default 8083
  --database-url <url>             PostgreSQL for the read model (default: DATABASE_URL, else PGlite)
  --log-level <level>              functions' log level (default warn)
  --no-autoscale                   one process per function, no scaling
  --max-replicas <n>               most replicas per scaled function (default ${DEV_MAX_REPLICAS}; the projector: 1 on PGlite, 2 on PostgreSQL)
  --scale-down-seconds <s>         scale-down window (default ${DEV_SCALE_DOWN_SECONDS})

Port 0 picks a free port.`;

interface Emulator {
  readonly connectionString: string;
  readonly port: number;
  close(): Promise<void>;
}

function portFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`dev: --${name} must be a port number, got '${value}'`);
  return port;
}

function startEmulator(dataDir: string, port: number): Promise<Emulator> {
  // Loaded only when dev runs, so `spillway --help` does not pull in the gRPC server.
  const emulator = require('@spillway/emulator') as { startEmulator?: (options: { dataDir: string; port: number }) => Promise<Emulator> };
  if (!emulator.startEmulator) throw new Error('@spillway/emulator does not provide startEmulator yet');
  return emulator.startEmulator({ dataDir, port });
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('dev', argv, {
    'data-dir': { type: 'string' },
    'emulator-port': { type: 'string' },
    'order-create-port': { type: 'string' },
    'stock-reservation-port': { type: 'string' },
    'order-projector-port': { type: 'string' },
    'database-url': { type: 'string' },
    'log-level': { type: 'string' },
    'no-autoscale': { type: 'boolean' },
    'max-replicas': { type: 'string' },
    'scale-down-seconds': { type: 'string' },
  });
  const started = Date.now();
  const dataDir = resolve(values['data-dir'] ?? '.data');
  // The CLI's one environment read: the same variable the projector itself would take.
  const databaseUrl = values['database-url'] ?? process.env['DATABASE_URL'] ?? '';
  const autoscale = values['no-autoscale'] !== true;
  const plan = scalingPlan(
    { maxReplicas: values['max-replicas'], scaleDownSeconds: values['scale-down-seconds'] },
    databaseUrl ? 'postgres' : 'pglite',
  );
  const ports = {
    emulator: portFlag('emulator-port', values['emulator-port'], 2113),
    'order-create': portFlag('order-create-port', values['order-create-port'], 8081),
    'stock-reservation': portFlag('stock-reservation-port', values['stock-reservation-port'], 8082),
    'order-projector': portFlag('order-projector-port', values['order-projector-port'], 8083),
  };
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) if (ports[key] === 0) ports[key] = await freePort();
  mkdirSync(join(dataDir, 'emulator'), { recursive: true });
  const unlock = lockDataDir(dataDir);

  const emulator = await startEmulator(join(dataDir, 'emulator'), ports.emulator).catch((err: unknown) => {
    unlock();
    // The bin prints only the message, so the cause goes into it (a port in use is the usual one).
    throw new Error(`starting the emulator on port ${ports.emulator}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  });
  const base = {
    ESDB_CONNECTION_STRING: emulator.connectionString,
    LOG_LEVEL: values['log-level'] ?? 'warn',
    DRAIN_TIMEOUT_MS: String(FUNCTION_DRAIN_MS),
  };
  const readModel = databaseUrl ? `PostgreSQL ${databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}` : `PGlite in ${join(dataDir, 'read-model')}`;
  const env: Record<ShopFunctionName, Record<string, string>> = {
    'order-create': {},
    'stock-reservation': {},
    'order-projector': databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '', PGLITE_DATA_DIR: join(dataDir, 'read-model') },
  };
  const scaledNames: ScaledFunctionName[] = ['stock-reservation', 'order-projector'];
  const plainNames: ShopFunctionName[] = autoscale ? ['order-create'] : ['order-create', ...scaledNames];

  // Plain functions: one process each, and its exit stops dev. Scaled ones: the pool replaces a replica that exits.
  const plain = plainNames.map((name) => spawnFunction(name, name, ports[name], { ...base, ...env[name] }));
  let scaled: ScaledFunctions | undefined;
  const killChildren = () => {
    for (const p of plain) if (isRunning(p)) p.child.kill('SIGKILL');
    scaled?.killAll();
  };
  // Backstop if dev itself dies: detached children would otherwise outlive it.
  process.once('exit', killChildren);
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      await Promise.all([scaled?.stop(), ...plain.map((p) => stopProcess(p, STOP_GRACE_MS))]);
      await emulator.close();
      unlock();
    })();
    return stopping;
  };

  let ready: FunctionProcess[];
  try {
    if (autoscale) {
      scaled = startScaledFunctions({
        functions: scaledNames.map((name) => ({ name, port: ports[name], env: env[name], scaling: plan[name] })),
        esdbConnectionString: emulator.connectionString,
        env: base,
        stopGraceMs: STOP_GRACE_MS,
        log: process.stdout,
      });
    }
    const deadline = Date.now() + READY_DEADLINE_MS;
    const [first] = await Promise.all([scaled?.firstReplicas(deadline) ?? [], ...plain.map((p) => waitReady(p, deadline))]);
    ready = [...plain, ...first];
  } catch (err) {
    process.stderr.write(`spillway dev: ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll();
    process.off('exit', killChildren);
    return 1;
  }
  const order: ShopFunctionName[] = ['order-create', 'stock-reservation', 'order-projector'];
  const urls = new Map(order.map((name) => [name, ready.find((r) => r.name === name)?.url ?? '']));
  const scaling = scaled
    ? await Promise.all(scaledNames.map(async (name) => describeScaling(name, plan[name], (await scaled?.replicas(name)) ?? 0)))
    : [];
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(banner({ dataDir, emulator: emulator.connectionString, urls, readModel, seconds, scaling }));

  const outcome = await new Promise<{ code: number; reason: string }>((resolveOutcome) => {
    const onSignal = (signal: NodeJS.Signals) => resolveOutcome({ code: 0, reason: signal });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    for (const p of plain) void p.exited.then((code) => resolveOutcome({ code: 1, reason: `${p.name} exited (code ${code})` }));
  });
  process.stdout.write(`\nstopping (${outcome.reason})...\n`);
  await stopAll();
  process.off('exit', killChildren);
  process.stdout.write('stopped\n');
  return outcome.code;
}

export const command: Command = {
  name: 'dev',
  summary: 'run the whole shop on this machine (emulator, read model, functions scaled by lag)',
  usage: USAGE,
  run,
};
