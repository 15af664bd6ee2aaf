import { parseArgs } from 'node:util';
import { ConfigError, loadAutoscalerConfig } from '../config';
import { checkLeaseTimings, DEFAULT_LEASE_DURATION_MS, DEFAULT_RENEW_DEADLINE_MS, DEFAULT_RETRY_PERIOD_MS } from '../leader/lease-elector';
import { loadKubeConfig } from '../targets/kubernetes/kube-config';
import { startAutoscalerApp } from './autoscaler-app';
import { createAutoscalerLogger } from './logger';

/** A mistake in the flags; `spillway autoscaler` and `spillway-autoscaler` print it and exit 2. */
export class AutoscalerUsageError extends Error {
  override readonly name = 'AutoscalerUsageError';
}

export const AUTOSCALER_USAGE = [
  'Usage: spillway autoscaler [--namespace NS] [--interval 2s] [--dry-run] [--port 9090] [--grpc-port 9091] [--leader-elect]',
  '                           [--no-console | --console-allow-replay]',
  '',
  'Watches the Deployments of a namespace annotated with spillway.dev/subscription, measures each',
  "subscription's lag in EventStoreDB and patches the Deployment's /scale. Serves /metrics,",
  "GET /keda/lag and the console (/console, read-only) on --port, and KEDA's external scaler gRPC",
  'service on --grpc-port.',
  '',
  'Flags:',
  '  --namespace NS    namespace to watch (default: POD_NAMESPACE, the in-cluster namespace, or default)',
  '  --interval D      time between measurements, e.g. 2s, 500ms, 1m (default 2s)',
  '  --dry-run         decide and log, never patch (use this when KEDA applies the scaling)',
  '  --port N          HTTP port for /metrics, /healthz, /keda/lag and /console (default 9090)',
  '  --grpc-port N     KEDA external scaler gRPC port (default KEDA_GRPC_PORT, else 9091)',
  '  --connection URL  EventStoreDB connection string (default: ESDB_CONNECTION_STRING, else esdb://127.0.0.1:2113?tls=false)',
  '  --no-console      do not serve the console at /console on --port',
  '  --console-allow-replay   let the console replay parked messages (it answers 403 otherwise)',
  '  --leader-elect    run several replicas: only the holder of a Lease applies; all measure and serve KEDA',
  '  --leader-elect-resource-name NAME   the Lease, in POD_NAMESPACE (default spillway-autoscaler)',
  '  --leader-elect-lease-duration D     followers take over after this without a renewal (default 15s)',
  '  --leader-elect-renew-deadline D     a leader that has not renewed for this long stops applying (default 10s)',
  '  --leader-elect-retry-period D       time between tries to acquire or renew (default 2s)',
  '',
  'Environment: ESDB_CONNECTION_STRING (unless --connection), LOG_LEVEL, POD_NAMESPACE, POD_NAME, FALLBACK_AFTER_FAILURES, LAG_SCAN_CAP, KEDA_GRPC_PORT;',
  'Kubernetes access from the in-cluster service account, or KUBECONFIG / ~/.kube/config.',
].join('\n');

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };
// Digits only: Number() alone would take '', ' ', '1e3', '0x10' and '1.0' as numbers.
const DIGITS = /^\d{1,15}$/;
/** The forms @eventstore/db-client accepts, as the configuration checks ESDB_CONNECTION_STRING. */
const ESDB_URL = /^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\/\S+$/;

const usage = (message: string) => new AutoscalerUsageError(`autoscaler: ${message}`);

/** `2s`, `500ms`, `1m`, or plain seconds; at least 100 ms. */
export function parseDuration(flag: string, value: string): number {
  const match = value.trim().match(/^(\d+(?:\.\d+)?)(ms|s|m)?$/);
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1_000) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 100) throw usage(`${flag} expects a duration of at least 100ms like 2s, 500ms or 1m, got '${value}'`);
  return Math.round(ms);
}

function port(flag: string, value: string): number {
  const n = DIGITS.test(value) ? Number(value) : Number.NaN;
  if (!(n <= 65_535)) throw usage(`${flag} must be a port number (0-65535), got '${value}'`);
  return n;
}

function name(flag: string, value: string): string {
  if (value.trim() === '' || value.trim() !== value)
    throw usage(`${flag} must be a non-empty name without surrounding spaces, got '${value}'`);
  return value;
}

/** The flags, checked; nothing is read from the environment or started. */
export interface AutoscalerArgs {
  readonly help: boolean;
  readonly namespace?: string;
  readonly intervalMs: number;
  readonly dryRun: boolean;
  readonly port: number;
  readonly grpcPort?: number;
  /** `--connection`: wins over ESDB_CONNECTION_STRING. */
  readonly connection?: string;
  readonly leaderElect: boolean;
  readonly leaseName: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** Serve the console on --port (default); `--no-console` turns it off. */
  readonly console: boolean;
  /** `--console-allow-replay`: the console may replay parked messages. */
  readonly consoleAllowReplay: boolean;
}

/** Parses the autoscaler's flags strictly; throws an AutoscalerUsageError naming the flag. */
export function parseAutoscalerArgs(argv: readonly string[]): AutoscalerArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        namespace: { type: 'string' },
        interval: { type: 'string' },
        'dry-run': { type: 'boolean' },
        port: { type: 'string' },
        'grpc-port': { type: 'string' },
        connection: { type: 'string' },
        'leader-elect': { type: 'boolean' },
        'leader-elect-resource-name': { type: 'string' },
        'leader-elect-lease-duration': { type: 'string' },
        'leader-elect-renew-deadline': { type: 'string' },
        'leader-elect-retry-period': { type: 'string' },
        'no-console': { type: 'boolean' },
        'console-allow-replay': { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw usage(err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err));
  }
  const text = (flag: string) => values[flag] as string | undefined;
  const duration = (flag: string, fallback: number) => {
    const value = text(flag);
    return value === undefined ? fallback : parseDuration(`--${flag}`, value);
  };
  const leaseDurationMs = duration('leader-elect-lease-duration', DEFAULT_LEASE_DURATION_MS);
  const renewDeadlineMs = duration('leader-elect-renew-deadline', DEFAULT_RENEW_DEADLINE_MS);
  const retryPeriodMs = duration('leader-elect-retry-period', DEFAULT_RETRY_PERIOD_MS);
  const timingProblems = checkLeaseTimings(leaseDurationMs, renewDeadlineMs, retryPeriodMs);
  if (timingProblems.length > 0) throw usage(timingProblems.join('; '));
  const namespace = text('namespace');
  const grpc = text('grpc-port');
  const lease = text('leader-elect-resource-name');
  const connection = text('connection');
  if (values['no-console'] === true && values['console-allow-replay'] === true)
    throw usage('--console-allow-replay needs the console: it cannot go with --no-console');
  if (connection !== undefined && !ESDB_URL.test(connection))
    throw usage(`--connection must be an esdb:// connection string, got '${connection}'`);
  return {
    help: values['help'] === true,
    ...(namespace !== undefined ? { namespace: name('--namespace', namespace) } : {}),
    intervalMs: duration('interval', 2_000),
    dryRun: values['dry-run'] === true,
    port: port('--port', text('port') ?? '9090'),
    ...(grpc !== undefined ? { grpcPort: port('--grpc-port', grpc) } : {}),
    ...(connection !== undefined ? { connection } : {}),
    leaderElect: values['leader-elect'] === true,
    leaseName: lease === undefined ? 'spillway-autoscaler' : name('--leader-elect-resource-name', lease),
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    console: values['no-console'] !== true,
    consoleAllowReplay: values['console-allow-replay'] === true,
  };
}

/**
 * `spillway autoscaler` (and the autoscaler image's `spillway-autoscaler`): runs until SIGTERM or
 * SIGINT, then stops cleanly. Resolves the exit code; throws AutoscalerUsageError on bad flags.
 */
export async function runAutoscalerCommand(argv: readonly string[]): Promise<number> {
  const args = parseAutoscalerArgs(argv);
  if (args.help) {
    process.stdout.write(`${AUTOSCALER_USAGE}\n`);
    return 0;
  }
  let config: ReturnType<typeof loadAutoscalerConfig>;
  try {
    config = loadAutoscalerConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`spillway autoscaler: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const log = createAutoscalerLogger(config.logLevel);
  const app = await startAutoscalerApp({
    esdbConnectionString: args.connection ?? config.esdbConnectionString,
    kubeConfig: loadKubeConfig(),
    namespace: args.namespace ?? config.namespace,
    intervalMs: args.intervalMs,
    dryRun: args.dryRun,
    port: args.port,
    grpcPort: args.grpcPort ?? config.kedaGrpcPort,
    failureThreshold: config.failureThreshold,
    ...(args.console ? { console: { allowReplay: args.consoleAllowReplay } } : {}),
    ...(config.scanCap !== undefined ? { scanCap: config.scanCap } : {}),
    ...(args.leaderElect
      ? {
          leaderElection: {
            namespace: config.namespace,
            leaseName: args.leaseName,
            identity: config.identity,
            leaseDurationMs: args.leaseDurationMs,
            renewDeadlineMs: args.renewDeadlineMs,
            retryPeriodMs: args.retryPeriodMs,
          },
        }
      : {}),
    log,
  });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'stopping');
  await app.stop();
  return 0;
}
