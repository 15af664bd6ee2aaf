import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { portFlag, type RunProjections, runProjectionsFlag } from '../flag-values';
import { parseFlags } from '../parse-flags';
import { freePort } from './free-port';
import { repositoryRoot } from './function-folders';
import { type ScalingPlan, scalingPlan } from './scaling-plan';

/** The shop's functions keep the ports the README walks through, each with its own flag. */
export const DOCUMENTED_PORTS: Readonly<Record<string, number>> = {
  'order-create': 8081,
  'stock-reservation': 8082,
  'order-projector': 8083,
};
// Further functions count up from just after the shop's ports.
export const DEFAULT_PORTS_FROM = 8084;

/** What `spillway dev` was asked for, with defaults filled in and port 0 turned into a free port. */
export interface DevOptions {
  /** The repository whose functions/ folder is run. */
  readonly root: string;
  readonly dataDir: string;
  /** PostgreSQL for the read models; empty means PGlite in the data folder. */
  readonly databaseUrl: string;
  readonly logLevel: string;
  readonly ports: Readonly<Record<'emulator' | 'gateway', number>>;
  /** The shop's functions' ports, by name (whether or not their folders are there). */
  readonly documentedPorts: ReadonlyMap<string, number>;
  /** Where other functions' ports start counting; 0: each gets a port the OS picks. */
  readonly portsFrom: number;
  /** Undefined with --no-autoscale: one process per function. */
  readonly scaling?: ScalingPlan;
  /** --run-projections when given; otherwise dev decides from the functions (dev-projections.ts). */
  readonly runProjections?: RunProjections;
}

/** A port flag, or its default when absent (0 picks a free port). */
function port(flag: string, value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : portFlag('dev', `--${flag}`, value);
}

const portOf = async (value: number) => (value === 0 ? freePort() : value);

/** Parses `spillway dev`'s flags; a bad one is a UsageError (exit 2) before anything starts. */
export async function devOptions(argv: string[]): Promise<DevOptions> {
  const shopFlags = Object.fromEntries(Object.keys(DOCUMENTED_PORTS).map((name) => [`${name}-port`, { type: 'string' as const }]));
  const { values } = parseFlags('dev', argv, {
    dir: { type: 'string' },
    'data-dir': { type: 'string' },
    'emulator-port': { type: 'string' },
    'gateway-port': { type: 'string' },
    ...shopFlags,
    'ports-from': { type: 'string' },
    'database-url': { type: 'string' },
    'log-level': { type: 'string' },
    'no-autoscale': { type: 'boolean' },
    'max-replicas': { type: 'string' },
    'scale-down-seconds': { type: 'string' },
    'run-projections': { type: 'string' },
  });
  const flag = (name: string) => (values as Record<string, string | boolean | undefined>)[name] as string | undefined;
  // The CLI's one environment read: the same variable the projector itself would take.
  const databaseUrl = flag('database-url') ?? process.env['DATABASE_URL'] ?? '';
  const plan = scalingPlan(
    { maxReplicas: flag('max-replicas'), scaleDownSeconds: flag('scale-down-seconds') },
    databaseUrl ? 'postgres' : 'pglite',
    availableParallelism(),
  );
  const documentedPorts = new Map<string, number>();
  for (const [name, fallback] of Object.entries(DOCUMENTED_PORTS)) {
    documentedPorts.set(name, await portOf(port(`${name}-port`, flag(`${name}-port`), fallback)));
  }
  const root = repositoryRoot(flag('dir'));
  const runProjections = flag('run-projections');
  const dataDir = flag('data-dir');
  return {
    root,
    // The repository's own .data, wherever in it dev was started; a given folder is taken as the shell would.
    dataDir: dataDir === undefined ? join(root, '.data') : resolve(dataDir),
    databaseUrl,
    logLevel: flag('log-level') ?? 'warn',
    ports: {
      emulator: await portOf(port('emulator-port', flag('emulator-port'), 2113)),
      gateway: await portOf(port('gateway-port', flag('gateway-port'), 8080)),
    },
    documentedPorts,
    portsFrom: port('ports-from', flag('ports-from'), DEFAULT_PORTS_FROM),
    ...(values['no-autoscale'] === true ? {} : { scaling: plan }),
    ...(runProjections === undefined ? {} : { runProjections: runProjectionsFlag('dev', runProjections) }),
  };
}
