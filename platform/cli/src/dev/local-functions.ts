import type { Outcome } from '@spillway/autoscaler';
import type { GatewayFunction } from '@spillway/console';
import { type FunctionProcess, spawnFunction } from './function-process';
import type { PidFiles } from './leftovers';
import { type ScaledFunction, type ScaledFunctions, startScaledFunctions } from './scaled-functions';
import { type DevScaling, describeScaling } from './scaling-plan';
import { superviseFunction } from './supervised-function';

/** One function as `spillway dev` runs it. */
export interface LocalFunction {
  readonly name: string;
  readonly folder: string;
  /** Its (first replica's) port, printed in the banner. */
  readonly port: number;
  /** What it gets on top of the environment every function gets. */
  readonly env: Record<string, string>;
  /** Where its read model keeps its data (a folder, or PostgreSQL's URL without credentials); absent without one. */
  readonly readModel?: string;
  /** As its definition declares it; absent for a function that only serves HTTP. */
  readonly subscription?: ScaledFunction['subscription'];
  /** Set for a function the local autoscaler sizes by its subscription's lag; absent: one supervised process. */
  readonly scaling?: DevScaling;
}

/** Every function under `spillway dev`: the scaled ones in local process pools, the others one supervised process each. */
export interface LocalFunctions {
  /** Each function's URL (its first replica's), in the order given, once every one answers /readyz. */
  ready(deadline: number): Promise<Map<string, string>>;
  /** Banner lines: each scaled function's replicas now and its range; empty when nothing scales. */
  scalingLines(): Promise<string[]>;
  /** Each function as the gateway sees it: its name and its running replicas' URLs. */
  gatewayFunctions(): GatewayFunction[];
  /** The autoscaler's last tick for a scaled function; undefined for the others. */
  latest(name: string): Outcome | undefined;
  stop(): Promise<void>;
  /** Backstop when dev itself dies: detached children would otherwise outlive it. */
  kill(): void;
}

const isScaled = (fn: LocalFunction): fn is LocalFunction & Pick<ScaledFunction, 'scaling' | 'subscription'> =>
  fn.scaling !== undefined && fn.subscription !== undefined;

export function startLocalFunctions(options: {
  readonly functions: readonly LocalFunction[];
  /** What every function gets. */
  readonly base: Record<string, string>;
  readonly esdbConnectionString: string;
  readonly stopGraceMs: number;
  readonly pids: PidFiles;
}): LocalFunctions {
  const { functions } = options;
  const scaledOnes = functions.filter(isScaled);
  // As in the cluster, a function that dies is started again: a pool replaces a replica that exits,
  // and a function outside a pool is restarted with a growing delay while it keeps dying.
  const plain = functions
    .filter((fn) => !isScaled(fn))
    .map((fn) =>
      superviseFunction(
        fn.name,
        () => spawnFunction(fn, fn.name, fn.port, { ...options.base, ...fn.env }, options.pids),
        (line) => process.stdout.write(line),
      ),
    );
  let scaled: ScaledFunctions | undefined;
  try {
    scaled =
      scaledOnes.length > 0
        ? startScaledFunctions({
            functions: scaledOnes,
            esdbConnectionString: options.esdbConnectionString,
            env: options.base,
            stopGraceMs: options.stopGraceMs,
            log: process.stdout,
            pids: options.pids,
          })
        : undefined;
  } catch (err) {
    for (const p of plain) p.kill();
    throw err;
  }
  return {
    async ready(deadline) {
      const [first, ...others] = await Promise.all([scaled?.firstReplicas(deadline) ?? [], ...plain.map((p) => p.ready(deadline))]);
      const all: FunctionProcess[] = [...others, ...first];
      return new Map(functions.map((fn) => [fn.name, all.find((p) => p.name === fn.name)?.url() ?? '']));
    },
    async scalingLines() {
      const pools = scaled;
      if (!pools) return [];
      return Promise.all(scaledOnes.map(async (fn) => describeScaling(fn.name, fn.scaling, await pools.replicas(fn.name))));
    },
    gatewayFunctions() {
      return functions.map(({ name }) => ({
        name,
        replicaUrls: () => {
          const current = plain.find((p) => p.name === name)?.current();
          if (current) return current.isRunning() && current.url() ? [current.url()!] : [];
          return scaled?.replicaUrls(name) ?? [];
        },
      }));
    },
    latest: (name) => (scaledOnes.some((fn) => fn.name === name) ? scaled?.latest(name) : undefined),
    async stop() {
      await Promise.all([scaled?.stop(), ...plain.map((p) => p.stop(options.stopGraceMs))]);
    },
    kill() {
      for (const p of plain) p.kill();
      scaled?.killAll();
    },
  };
}
