import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Command } from '../command';
import { parseFlags } from '../parse-flags';
import { UsageError } from '../usage-error';

// The issue promises a ready shop within 15 s; PGlite's first initdb alone takes a few seconds on a slow machine.
const READY_DEADLINE_MS = 60_000;
const READY_POLL_MS = 200;
// A ready function answers /readyz in milliseconds.
const READY_PROBE_TIMEOUT_MS = 2_000;
// A function drains within its own DRAIN_TIMEOUT_MS; dev sets a short one and waits a little longer before SIGKILL.
const FUNCTION_DRAIN_MS = 5_000;
const STOP_GRACE_MS = FUNCTION_DRAIN_MS + 3_000;

const USAGE = `Usage: spillway dev [flags]

Runs the shop on this machine: the emulator (durable, in the data folder), the read model
(PGlite in the data folder, or PostgreSQL when DATABASE_URL is set) and the three functions
as separate processes. Ctrl-C stops everything; a second start resumes from the same data.

Flags:
  --data-dir <dir>                 data folder (default .data)
  --emulator-port <port>           emulator gRPC port (default 2113)
  --order-create-port <port>       default 8081
  --stock-reservation-port <port>  default 8082
  --order-projector-port <port>    default 8083
  --database-url <url>             PostgreSQL for the read model (default: DATABASE_URL, else PGlite)
  --log-level <level>              functions' log level (default warn)

Port 0 picks a free port.`;

interface Emulator {
  readonly connectionString: string;
  readonly port: number;
  close(): Promise<void>;
}

interface ShopFunction {
  readonly name: 'order-create' | 'stock-reservation' | 'order-projector';
  readonly port: number;
  readonly env: Record<string, string>;
}

interface Running {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

function portFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`dev: --${name} must be a port number, got '${value}'`);
  return port;
}

/** A port that was free a moment ago: how `0` becomes a concrete port the functions can be told. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function startEmulator(dataDir: string, port: number): Promise<Emulator> {
  // Loaded only when dev runs, so `spillway --help` does not pull in the gRPC server.
  const emulator = require('@spillway/emulator') as { startEmulator?: (options: { dataDir: string; port: number }) => Promise<Emulator> };
  if (!emulator.startEmulator) throw new Error('@spillway/emulator does not provide startEmulator yet');
  return emulator.startEmulator({ dataDir, port });
}

function packageFolder(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

function prefixLines(name: string, source: NodeJS.ReadableStream | null, sink: NodeJS.WritableStream): void {
  let buffered = '';
  source?.setEncoding('utf8');
  source?.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) sink.write(`[${name}] ${line}\n`);
  });
}

function spawnFunction(fn: ShopFunction, base: Record<string, string>): Running {
  const bin = join(packageFolder('@spillway/runtime'), 'bin', 'spillway-function.js');
  const child = spawn(process.execPath, [bin, packageFolder(`@spillway/${fn.name}`)], {
    env: { ...process.env, ...base, ...fn.env, PORT: String(fn.port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C reaches only dev, which then stops each function once, in order.
    detached: true,
  });
  prefixLines(fn.name, child.stdout, process.stdout);
  prefixLines(fn.name, child.stderr, process.stderr);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { name: fn.name, url: `http://127.0.0.1:${fn.port}`, child, exited };
}

async function waitReady(running: Running, deadline: number): Promise<void> {
  let exited = false;
  void running.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`${running.name} exited during start-up (see its output above)`);
    try {
      // Connection: close, so no idle keep-alive connection of ours holds up the function's drain later.
      // Bounded: whatever else holds the port may accept the connection and never answer.
      const response = await fetch(`${running.url}/readyz`, {
        headers: { connection: 'close' },
        signal: AbortSignal.timeout(READY_PROBE_TIMEOUT_MS),
      });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${running.name} was not ready within ${READY_DEADLINE_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}

async function stop(running: Running): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), STOP_GRACE_MS);
  await running.exited;
  clearTimeout(timer);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One `spillway dev` per data folder: two emulators on one log, or two PGlite processes on one
 * database folder, would corrupt them. A stale file from a killed run is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'dev.pid');
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(path, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new UsageError(`dev: ${dataDir} is in use by another spillway dev (pid ${holder}); stop it or pass another --data-dir`);
  }
  writeFileSync(path, `${process.pid}\n`);
  return () => rmSync(path, { force: true });
}

function banner(dataDir: string, emulator: Emulator, running: readonly Running[], readModel: string, seconds: number): string {
  const url = (name: string) => running.find((r) => r.name === name)?.url ?? '';
  const order = '{"customerId":"c-1","items":[{"sku":"apple","quantity":2,"unitPrice":0.5}],"currency":"EUR"}';
  return [
    `Spillway shop ready in ${seconds.toFixed(1)} s (data in ${dataDir})`,
    `  emulator           ${emulator.connectionString}`,
    ...running.map((r) => `  ${r.name.padEnd(18)} ${r.url}`),
    `  read model         ${readModel}`,
    '',
    'Try it:',
    `  curl -X POST ${url('stock-reservation')}/inventory/apple/restock -H 'content-type: application/json' -d '{"quantity":10}'`,
    `  curl -X POST ${url('order-create')}/orders -H 'content-type: application/json' -H 'idempotency-key: first-order' -d '${order}'`,
    `  curl ${url('order-projector')}/orders/<orderId from the previous answer>`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
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
  });
  const started = Date.now();
  const dataDir = resolve(values['data-dir'] ?? '.data');
  // The CLI's one environment read: the same variable the projector itself would take.
  const databaseUrl = values['database-url'] ?? process.env['DATABASE_URL'] ?? '';
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
  const functions: ShopFunction[] = [
    { name: 'order-create', port: ports['order-create'], env: {} },
    { name: 'stock-reservation', port: ports['stock-reservation'], env: {} },
    {
      name: 'order-projector',
      port: ports['order-projector'],
      env: databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '', PGLITE_DATA_DIR: join(dataDir, 'read-model') },
    },
  ];
  const running = functions.map((fn) => spawnFunction(fn, base));

  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      await Promise.all(running.map(stop));
      await emulator.close();
      unlock();
    })();
    return stopping;
  };
  // Backstop if dev itself dies: detached children would otherwise outlive it.
  const killChildren = () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  };
  process.once('exit', killChildren);

  try {
    const deadline = Date.now() + READY_DEADLINE_MS;
    await Promise.all(running.map((r) => waitReady(r, deadline)));
  } catch (err) {
    process.stderr.write(`spillway dev: ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll();
    process.off('exit', killChildren);
    return 1;
  }
  process.stdout.write(banner(dataDir, emulator, running, readModel, (Date.now() - started) / 1000));

  const outcome = await new Promise<{ code: number; reason: string }>((resolveOutcome) => {
    const onSignal = (signal: NodeJS.Signals) => resolveOutcome({ code: 0, reason: signal });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    for (const r of running) {
      void r.exited.then((code) => resolveOutcome({ code: 1, reason: `${r.name} exited (code ${code})` }));
    }
  });
  process.stdout.write(`\nstopping (${outcome.reason})...\n`);
  await stopAll();
  process.off('exit', killChildren);
  process.stdout.write('stopped\n');
  return outcome.code;
}

export const command: Command = {
  name: 'dev',
  summary: 'run the whole shop on this machine (emulator, read model, functions)',
  usage: USAGE,
  run,
};
