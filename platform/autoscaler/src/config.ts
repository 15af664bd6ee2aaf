import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_FAILURE_THRESHOLD } from './policy/fallback';

/** Where Kubernetes mounts the pod's own namespace. */
const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

// Digits only: z.coerce.number() takes ' ' for 0 (KEDA_GRPC_PORT=' ' would pick a random port), and '1e3' or '0x1f' too.
const wholeNumber = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number);

// A DNS-1123 label, as Kubernetes names namespaces: anything else cannot name one.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const schema = z.object({
  ESDB_CONNECTION_STRING: z
    .string()
    .regex(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\/\S+$/, 'expected an esdb:// connection string')
    .default('esdb://127.0.0.1:2113?tls=false'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Set from the downward API in the chart; the namespace to watch when --namespace is not given. */
  POD_NAMESPACE: z.string().regex(NAMESPACE, 'expected a Kubernetes namespace name').optional(),
  /** Set from the downward API in the chart; the first part of this replica's leader-election identity. */
  POD_NAME: z.string().min(1).optional(),
  /** Consecutive failed measurements before a workload goes to its fallback-replicas. */
  FALLBACK_AFTER_FAILURES: wholeNumber.pipe(z.number().min(1)).default(DEFAULT_FAILURE_THRESHOLD),
  /** Most `$all` events one reading scans before reporting the lag as capped. */
  LAG_SCAN_CAP: wholeNumber.pipe(z.number().min(1)).optional(),
  /** Port of KEDA's external scaler gRPC service (the chart sets it; --grpc-port overrides). */
  KEDA_GRPC_PORT: wholeNumber.pipe(z.number().max(65_535)).default(9091),
});

/** The autoscaler's (and `spillway status`'s) settings from the environment, parsed once. */
export interface AutoscalerConfig {
  readonly esdbConnectionString: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** POD_NAMESPACE, else the in-cluster service-account namespace, else `default`. */
  readonly namespace: string;
  readonly failureThreshold: number;
  readonly scanCap?: number;
  readonly kedaGrpcPort: number;
  /** This process's holderIdentity for leader election: POD_NAME (else the host name) plus a random suffix, as client-go does. */
  readonly identity: string;
}

/** Start-up stops with this: one message naming every wrong variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

function inClusterNamespace(): string | undefined {
  try {
    return readFileSync(IN_CLUSTER_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Parses the environment (process.env by default); throws a ConfigError naming every bad variable. */
export function loadAutoscalerConfig(env: Readonly<Record<string, string | undefined>> = process.env): AutoscalerConfig {
  // An empty variable means "unset", as in a manifest that leaves a value blank.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  const c = parsed.data;
  return {
    esdbConnectionString: c.ESDB_CONNECTION_STRING,
    logLevel: c.LOG_LEVEL,
    namespace: c.POD_NAMESPACE ?? inClusterNamespace() ?? 'default',
    failureThreshold: c.FALLBACK_AFTER_FAILURES,
    kedaGrpcPort: c.KEDA_GRPC_PORT,
    // The suffix keeps a restarted container with the same pod name from renewing its predecessor's term as its own.
    identity: `${c.POD_NAME ?? hostname()}_${randomUUID().slice(0, 8)}`,
    ...(c.LAG_SCAN_CAP !== undefined ? { scanCap: c.LAG_SCAN_CAP } : {}),
  };
}
