import type { Outcome } from '@spillway/autoscaler';
import type { GatewayFunction } from '@spillway/console';
import { type FunctionProcess, type ShopFunctionName, spawnFunction } from './function-process';
import type { PidFiles } from './leftovers';
import { type ScaledFunctions, startScaledFunctions } from './scaled-functions';
import { describeScaling, type ScaledFunctionName, type ScalingPlan } from './scaling-plan';
import { superviseFunction } from './supervised-function';

const SHOP: readonly ShopFunctionName[] = ['order-create', 'stock-reservation', 'order-projector'];
const SCALED: readonly ScaledFunctionName[] = ['stock-reservation', 'order-projector'];

/** The shop's functions under `spillway dev`: order-create as one process, the others in scaled pools (or one each). */
export interface ShopProcesses {
  /** Each function's URL (its first replica's), once every one answers /readyz. */
  ready(deadline: number): Promise<Map<ShopFunctionName, string>>;
  /** Banner lines: each scaled function's replicas now and its range; empty without autoscaling. */
  scalingLines(): Promise<string[]>;
  /** Each function as the gateway sees it: its name and its running replicas' URLs. */
  gatewayFunctions(): GatewayFunction[];
  /** The autoscaler's last tick for a scaled function; undefined without autoscaling. */
  latest(name: ShopFunctionName): Outcome | undefined;
  stop(): Promise<void>;
  /** Backstop when dev itself dies: detached children would otherwise outlive it. */
  kill(): void;
}

export function startShopProcesses(options: {
  readonly ports: Readonly<Record<ShopFunctionName, number>>;
  /** Per function: what it gets on top of `base`. */
  readonly env: Readonly<Record<ShopFunctionName, Record<string, string>>>;
  readonly base: Record<string, string>;
  readonly scaling?: ScalingPlan;
  readonly esdbConnectionString: string;
  readonly stopGraceMs: number;
  readonly pids: PidFiles;
}): ShopProcesses {
  const { scaling } = options;
  const plainNames = scaling ? SHOP.filter((name) => !(SCALED as readonly string[]).includes(name)) : SHOP;
  // As in the cluster, a function that dies is started again: a pool replaces a replica that exits,
  // and a function outside a pool is restarted with a growing delay while it keeps dying.
  const plain = plainNames.map((name) =>
    superviseFunction(
      name,
      () => spawnFunction(name, name, options.ports[name], { ...options.base, ...options.env[name] }, options.pids),
      (line) => process.stdout.write(line),
    ),
  );
  let scaled: ScaledFunctions | undefined;
  try {
    scaled = scaling
      ? startScaledFunctions({
          functions: SCALED.map((name) => ({ name, port: options.ports[name], env: options.env[name], scaling: scaling[name] })),
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
      return new Map(SHOP.map((name) => [name, all.find((p) => p.name === name)?.url() ?? '']));
    },
    async scalingLines() {
      if (!scaled || !scaling) return [];
      const pools = scaled;
      return Promise.all(SCALED.map(async (name) => describeScaling(name, scaling[name], await pools.replicas(name))));
    },
    gatewayFunctions() {
      return SHOP.map((name) => ({
        name,
        replicaUrls: () => {
          const own = plain.find((p) => p.name === name);
          const current = own?.current();
          if (current) return current.isRunning() && current.url() ? [current.url()!] : [];
          return scaled?.replicaUrls(name as ScaledFunctionName) ?? [];
        },
      }));
    },
    latest: (name) => ((SCALED as readonly string[]).includes(name) ? scaled?.latest(name as ScaledFunctionName) : undefined),
    async stop() {
      await Promise.all([scaled?.stop(), ...plain.map((p) => p.stop(options.stopGraceMs))]);
    },
    kill() {
      for (const p of plain) p.kill();
      scaled?.killAll();
    },
  };
}
