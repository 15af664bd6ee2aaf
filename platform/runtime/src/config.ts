import { z } from 'zod';
import type { RetryPolicy } from './subscription/retry-policy';

// Kubernetes sends SIGKILL 30 s after SIGTERM by default: drain well inside that.
const DEFAULT_DRAIN_TIMEOUT_MS = 25_000;
// Commands are small JSON documents; anything larger is a mistake or an attack.
const DEFAULT_BODY_LIMIT_BYTES = 100 * 1024;

// Set but listing nothing (`API_TOKENS=`, `,`, `' '`: an empty Secret value) would silently turn
// authentication off: that is an error, not "no auth". Running without auth is said with AUTH=none.
const tokens = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((token) => token.trim())
      .filter((token) => token.length > 0),
  )
  .pipe(z.array(z.string()).min(1, 'lists no token (an empty Secret value?); to run without authentication unset it and set AUTH=none'));

// Digits only: z.coerce.number() takes ' ' for 0 (PORT=' ' would pick a random port), and '1e3' or '0x1f' too.
const wholeNumber = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number);

// Readers that looked the old version up just before a switch finish with it well inside a minute;
// after this, a retired read model version's tables are dropped.
const DEFAULT_READ_MODEL_DROP_GRACE_MS = 60_000;

// A DNS-1123 label, as Kubernetes names namespaces: anything else cannot name one.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const schema = z.object({
  ESDB_CONNECTION_STRING: z
    .string()
    .regex(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\/\S+$/, 'expected an esdb:// connection string')
    .default('esdb://127.0.0.1:2113?tls=false'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: wholeNumber.pipe(z.number().max(65_535)).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DRAIN_TIMEOUT_MS: wholeNumber.pipe(z.number().positive()).default(DEFAULT_DRAIN_TIMEOUT_MS),
  API_TOKENS: tokens.optional(),
  /** `none` turns authentication off, explicitly; `bearer` (the default) requires API_TOKENS. */
  AUTH: z.enum(['bearer', 'none']).optional(),
  BODY_LIMIT_BYTES: wholeNumber.pipe(z.number().positive()).default(DEFAULT_BODY_LIMIT_BYTES),
  /** Requests to the function's routes in progress at once per replica; past it they get 503 with Retry-After. */
  HTTP_MAX_IN_FLIGHT: wholeNumber.pipe(z.number().positive()).optional(),
  /** Overrides the function's declared subscription concurrency (events handled at once per replica). */
  CONCURRENCY: wholeNumber.pipe(z.number().positive()).optional(),
  /** The pod's namespace (downward API): two releases with the same function names stay apart on the dashboard. */
  POD_NAMESPACE: z.string().regex(NAMESPACE, 'expected a Kubernetes namespace name').optional(),
  /** Where clients reach the functions' routes (a gateway or ingress): relative Location headers are resolved against it. */
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
    .refine((value) => !/[?#]/.test(value), 'must not hold a query or fragment')
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
  /** Override the function's declared retry policy (subscription.retry), field by field. */
  RETRY_INITIAL_DELAY_MS: wholeNumber.optional(),
  RETRY_FACTOR: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'expected a number')
    .transform(Number)
    .pipe(z.number().min(1))
    .optional(),
  RETRY_MAX_DELAY_MS: wholeNumber.optional(),
  RETRY_MAX_ATTEMPTS: wholeNumber.pipe(z.number().min(1)).optional(),
  RETRY_MAX_ELAPSED_MS: wholeNumber.optional(),
  /** A function with a read model: postgres://... ; unset means an embedded PGlite database in PGLITE_DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgres:// connection string')
    .optional(),
  PGLITE_DATA_DIR: z.string().min(1).default('.data/read-model'),
  READ_MODEL_DROP_GRACE_MS: wholeNumber.default(DEFAULT_READ_MODEL_DROP_GRACE_MS),
});

/** The runtime's settings, parsed once per process. */
export interface RuntimeConfig {
  readonly esdbConnectionString: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly drainTimeoutMs: number;
  /** Bearer tokens accepted on function routes; empty only with `auth: 'none'`. */
  readonly apiTokens: readonly string[];
  /** `none`: routes answer without a token, as chosen explicitly (AUTH=none); logged and exposed as a metric. */
  readonly auth: 'bearer' | 'none';
  readonly bodyLimitBytes: number;
  /** Unset: the runtime's default (DEFAULT_MAX_IN_FLIGHT). */
  readonly maxInFlight?: number;
  readonly concurrency?: number;
  /** Set as the `namespace` label on every metric; unset outside Kubernetes. */
  readonly namespace?: string;
  /** Prefixed to a route's relative Location header (no trailing slash); unset leaves it relative. */
  readonly publicBaseUrl?: string;
  /** Fields of the retry policy set by the environment; they win over the function's declaration. */
  readonly retry?: Partial<RetryPolicy>;
  /** The read model's PostgreSQL (functions that declare `readModel`); unset means PGlite in `pgliteDataDir`. */
  readonly databaseUrl?: string;
  readonly pgliteDataDir: string;
  /** How long a retired read-model version's tables stay after readers switched away from it. */
  readonly readModelDropGraceMs: number;
  /** The whole environment, handed to the function's `init`. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Start-up stops with this: one message naming every wrong variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

// Kept even when empty: an empty value of these is an error, not "unset".
const SECURITY_VARIABLES = new Set(['API_TOKENS', 'AUTH']);

/** Authentication is on unless AUTH=none says otherwise, and then no token may be given. */
function authProblems(c: z.output<typeof schema>): string[] {
  if (c.AUTH === 'none' && c.API_TOKENS !== undefined) return ['AUTH: none contradicts API_TOKENS; unset one of them'];
  if (c.AUTH !== 'none' && c.API_TOKENS === undefined) {
    return ['API_TOKENS: required (comma-separated bearer tokens); set AUTH=none to run without authentication'];
  }
  return [];
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

/**
 * Why a connection string leaves EventStoreDB traffic unprotected beyond this machine (`tls=false`,
 * or `tlsVerifyCert=false`, to a host that is not loopback), or undefined. The client's default is TLS
 * with verification, so these are explicit choices already; the runtime still says so at start.
 */
export function insecureEventStore(connectionString: string): string | undefined {
  const match = /^[a-z+]+:\/\/(?:[^@/?]*@)?([^/?]*)[^?]*(?:\?(.*))?$/i.exec(connectionString);
  if (!match) return undefined;
  const hosts = (match[1] ?? '').split(',').map((host) => host.replace(/:\d+$/, ''));
  if (hosts.every((host) => LOOPBACK.test(host))) return undefined;
  const params = new URLSearchParams(match[2] ?? '');
  const value = (name: string) => [...params.entries()].find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1]?.toLowerCase();
  if (value('tls') === 'false') return 'tls=false: EventStoreDB traffic, credentials included, is not encrypted';
  if (value('tlsVerifyCert') === 'false') return "tlsVerifyCert=false: the server's certificate is not checked";
  return undefined;
}

/** Parses the environment (process.env by default); throws a ConfigError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): RuntimeConfig {
  // An empty variable means "unset", as in a Kubernetes manifest that leaves a value blank; but not
  // API_TOKENS, which is filled from a Secret: an empty value there is a mistake that would open every route.
  const present = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => value !== undefined && (value !== '' || SECURITY_VARIABLES.has(name))),
  );
  const parsed = schema.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  if (parsed.success) problems.push(...authProblems(parsed.data));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const c = parsed.data;
  return {
    esdbConnectionString: c.ESDB_CONNECTION_STRING,
    host: c.HOST,
    port: c.PORT,
    logLevel: c.LOG_LEVEL,
    drainTimeoutMs: c.DRAIN_TIMEOUT_MS,
    apiTokens: c.API_TOKENS ?? [],
    auth: c.AUTH ?? 'bearer',
    bodyLimitBytes: c.BODY_LIMIT_BYTES,
    ...(c.HTTP_MAX_IN_FLIGHT === undefined ? {} : { maxInFlight: c.HTTP_MAX_IN_FLIGHT }),
    concurrency: c.CONCURRENCY,
    namespace: c.POD_NAMESPACE,
    publicBaseUrl: c.PUBLIC_BASE_URL,
    retry: definedOnly({
      initialDelayMs: c.RETRY_INITIAL_DELAY_MS,
      factor: c.RETRY_FACTOR,
      maxDelayMs: c.RETRY_MAX_DELAY_MS,
      maxAttempts: c.RETRY_MAX_ATTEMPTS,
      maxElapsedMs: c.RETRY_MAX_ELAPSED_MS,
    }),
    databaseUrl: c.DATABASE_URL,
    pgliteDataDir: c.PGLITE_DATA_DIR,
    readModelDropGraceMs: c.READ_MODEL_DROP_GRACE_MS,
    env: { ...env },
  };
}
