import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { portFlag } from '../flag-values';
import { parseFlags } from '../parse-flags';
import { freePort } from './free-port';
import type { ShopFunctionName } from './function-process';
import { type ScalingPlan, scalingPlan } from './scaling-plan';

/** What `spillway dev` was asked for, with defaults filled in and port 0 turned into a free port. */
export interface DevOptions {
  readonly dataDir: string;
  /** PostgreSQL for the read model; empty means PGlite in the data folder. */
  readonly databaseUrl: string;
  readonly logLevel: string;
  readonly ports: Readonly<Record<'emulator' | 'gateway' | ShopFunctionName, number>>;
  /** Undefined with --no-autoscale: one process per function. */
  readonly scaling?: ScalingPlan;
}

/** A port flag, or its default when absent (0 picks a free port). */
function port(flag: string, value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : portFlag('dev', `--${flag}`, value);
}

/** Parses `spillway dev`'s flags; a bad one is a UsageError (exit 2) before anything starts. */
export async function devOptions(argv: string[]): Promise<DevOptions> {
  const { values } = parseFlags('dev', argv, {
    'data-dir': { type: 'string' },
    'emulator-port': { type: 'string' },
    'gateway-port': { type: 'string' },
    'order-create-port': { type: 'string' },
    'stock-reservation-port': { type: 'string' },
    'order-projector-port': { type: 'string' },
    'database-url': { type: 'string' },
    'log-level': { type: 'string' },
    'no-autoscale': { type: 'boolean' },
    'max-replicas': { type: 'string' },
    'scale-down-seconds': { type: 'string' },
  });
  // The CLI's one environment read: the same variable the projector itself would take.
  const databaseUrl = values['database-url'] ?? process.env['DATABASE_URL'] ?? '';
  const plan = scalingPlan(
    { maxReplicas: values['max-replicas'], scaleDownSeconds: values['scale-down-seconds'] },
    databaseUrl ? 'postgres' : 'pglite',
    availableParallelism(),
  );
  const ports = {
    emulator: port('emulator-port', values['emulator-port'], 2113),
    gateway: port('gateway-port', values['gateway-port'], 8080),
    'order-create': port('order-create-port', values['order-create-port'], 8081),
    'stock-reservation': port('stock-reservation-port', values['stock-reservation-port'], 8082),
    'order-projector': port('order-projector-port', values['order-projector-port'], 8083),
  };
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) if (ports[key] === 0) ports[key] = await freePort();
  return {
    dataDir: resolve(values['data-dir'] ?? '.data'),
    databaseUrl,
    logLevel: values['log-level'] ?? 'warn',
    ports,
    ...(values['no-autoscale'] === true ? {} : { scaling: plan }),
  };
}
