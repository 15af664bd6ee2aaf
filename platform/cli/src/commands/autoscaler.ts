import {
  ConfigError,
  checkLeaseTimings,
  createAutoscalerLogger,
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  loadAutoscalerConfig,
  loadKubeConfig,
  startAutoscalerApp,
} from '@spillway/autoscaler';
import type { Command } from '../command';
import { CONNECTION_USAGE, esdbConnection } from '../esdb-connection';
import { nameFlag, portFlag } from '../flag-values';
import { parseFlags } from '../parse-flags';
import { UsageError } from '../usage-error';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

/** `2s`, `500ms`, `1m`, or plain seconds. */
export function parseDuration(flag: string, value: string): number {
  const match = value.trim().match(/^(\d+(?:\.\d+)?)(ms|s|m)?$/);
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1_000) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 100)
    throw new UsageError(`autoscaler: ${flag} expects a duration of at least 100ms like 2s, 500ms or 1m, got '${value}'`);
  return Math.round(ms);
}

export const command: Command = {
  name: 'autoscaler',
  summary: 'scale functions by the lag of their persistent subscriptions',
  usage: [
    'Usage: spillway autoscaler [--namespace NS] [--interval 2s] [--dry-run] [--port 9090] [--grpc-port 9091] [--leader-elect]',
    '',
    'Watches the Deployments of a namespace annotated with spillway.dev/subscription, measures each',
    "subscription's lag in EventStoreDB and patches the Deployment's /scale. Serves /metrics and",
    "GET /keda/lag on --port, and KEDA's external scaler gRPC service on --grpc-port.",
    '',
    'Flags:',
    '  --namespace NS    namespace to watch (default: POD_NAMESPACE, the in-cluster namespace, or default)',
    '  --interval D      time between measurements, e.g. 2s, 500ms, 1m (default 2s)',
    '  --dry-run         decide and log, never patch (use this when KEDA applies the scaling)',
    '  --port N          HTTP port for /metrics, /healthz and /keda/lag (default 9090)',
    '  --grpc-port N     KEDA external scaler gRPC port (default KEDA_GRPC_PORT, else 9091)',
    CONNECTION_USAGE,
    '  --leader-elect    run several replicas: only the holder of a Lease applies; all measure and serve KEDA',
    '  --leader-elect-resource-name NAME   the Lease, in POD_NAMESPACE (default spillway-autoscaler)',
    '  --leader-elect-lease-duration D     followers take over after this without a renewal (default 15s)',
    '  --leader-elect-renew-deadline D     a leader that has not renewed for this long stops applying (default 10s)',
    '  --leader-elect-retry-period D       time between tries to acquire or renew (default 2s)',
    '',
    'Environment: ESDB_CONNECTION_STRING (unless --connection), LOG_LEVEL, POD_NAMESPACE, POD_NAME, FALLBACK_AFTER_FAILURES, LAG_SCAN_CAP, KEDA_GRPC_PORT;',
    'Kubernetes access from the in-cluster service account, or KUBECONFIG / ~/.kube/config.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags('autoscaler', argv, {
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
    });
    const intervalMs = parseDuration('--interval', (values.interval as string | undefined) ?? '2s');
    const port = portFlag('autoscaler', '--port', (values.port as string | undefined) ?? '9090');
    const namespaceFlag = values.namespace as string | undefined;
    const namespace = namespaceFlag === undefined ? undefined : nameFlag('autoscaler', '--namespace', namespaceFlag);
    const duration = (
      flag: 'leader-elect-lease-duration' | 'leader-elect-renew-deadline' | 'leader-elect-retry-period',
      fallback: number,
    ) => {
      const value = values[flag] as string | undefined;
      return value === undefined ? fallback : parseDuration(`--${flag}`, value);
    };
    const leaseDurationMs = duration('leader-elect-lease-duration', DEFAULT_LEASE_DURATION_MS);
    const renewDeadlineMs = duration('leader-elect-renew-deadline', DEFAULT_RENEW_DEADLINE_MS);
    const retryPeriodMs = duration('leader-elect-retry-period', DEFAULT_RETRY_PERIOD_MS);
    const timingProblems = checkLeaseTimings(leaseDurationMs, renewDeadlineMs, retryPeriodMs);
    if (timingProblems.length > 0) throw new UsageError(`autoscaler: ${timingProblems.join('; ')}`);
    const leaseNameFlag = values['leader-elect-resource-name'] as string | undefined;
    const leaseName =
      leaseNameFlag === undefined ? 'spillway-autoscaler' : nameFlag('autoscaler', '--leader-elect-resource-name', leaseNameFlag);
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
    const grpcFlag = values['grpc-port'] as string | undefined;
    const grpcPort = grpcFlag === undefined ? config.kedaGrpcPort : portFlag('autoscaler', '--grpc-port', grpcFlag);
    const log = createAutoscalerLogger(config.logLevel);
    const app = await startAutoscalerApp({
      // The same rule as every other command: --connection, else ESDB_CONNECTION_STRING (checked above), else the default.
      esdbConnectionString: esdbConnection('autoscaler', values.connection as string | undefined),
      kubeConfig: loadKubeConfig(),
      namespace: namespace ?? config.namespace,
      intervalMs,
      dryRun: values['dry-run'] === true,
      port,
      grpcPort,
      failureThreshold: config.failureThreshold,
      ...(config.scanCap !== undefined ? { scanCap: config.scanCap } : {}),
      ...(values['leader-elect'] === true
        ? {
            leaderElection: {
              namespace: config.namespace,
              leaseName,
              identity: config.identity,
              leaseDurationMs,
              renewDeadlineMs,
              retryPeriodMs,
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
  },
};
