import { EventStoreDBClient } from '@eventstore/db-client';
import {
  eventStoreLagSources,
  LOCAL_NAMESPACE,
  type LocalAutoscaler,
  type Outcome,
  startLocalAutoscaler,
  subscriptionFromSource,
} from '@spillway/autoscaler';
import { loadFunction } from '@spillway/runtime';
import { createDecisionLogger } from './decision-log';
import { type FunctionProcess, packageFolder, spawnFunction, waitReady } from './function-process';
import type { PidFiles } from './leftovers';
import type { DevScaling, ScaledFunctionName } from './scaling-plan';

// Lag on the emulator is cheap to measure; a one-second loop makes a burst visible at once.
const DEV_INTERVAL_MS = 1_000;
const FIRST_REPLICA_POLL_MS = 100;

/** One function the local autoscaler runs: its documented port, its environment and its scaling. */
export interface ScaledFunction {
  readonly name: ScaledFunctionName;
  readonly port: number;
  readonly env: Record<string, string>;
  readonly scaling: DevScaling;
}

/** The subscription-driven functions in local process pools, each scaled by its group's lag. */
export interface ScaledFunctions {
  /** The first replica (slot 0, on the documented port) of each function, once it answers /readyz. */
  firstReplicas(deadline: number): Promise<FunctionProcess[]>;
  replicas(name: ScaledFunctionName): Promise<number>;
  /** Where each running replica of `name` listens (the gateway balances over them). */
  replicaUrls(name: ScaledFunctionName): string[];
  /** The autoscaler's last tick for `name`: its measurement and decision. */
  latest(name: ScaledFunctionName): Outcome | undefined;
  /** Stops the loop, then every replica (SIGTERM, SIGKILL after the grace), then the lag client. */
  stop(): Promise<void>;
  /** Backstop when dev itself dies: detached replicas would otherwise outlive it. */
  killAll(): void;
}

/** The group and `$all` filter a function declares, read from its own definition (one source of truth). */
function declaredSubscription(name: ScaledFunctionName) {
  const { subscription } = loadFunction(packageFolder(`@spillway/${name}`));
  if (!subscription) throw new Error(`${name} declares no subscription, so it cannot be scaled by lag`);
  return subscriptionFromSource(subscription.source, subscription.group);
}

/**
 * Starts the local autoscaler over `functions`. The first replica of each keeps the documented port,
 * so the walk-through's URLs always answer; further replicas listen on a port the OS picks (PORT=0):
 * they are there to share the subscription's work, and nothing has to be reserved for them, so they
 * never clash with each other or with anything else on the machine.
 */
export function startScaledFunctions(options: {
  readonly functions: readonly ScaledFunction[];
  readonly esdbConnectionString: string;
  readonly env: Record<string, string>;
  readonly stopGraceMs: number;
  readonly log: NodeJS.WritableStream;
  readonly pids: PidFiles;
}): ScaledFunctions {
  const client = EventStoreDBClient.connectionString(options.esdbConnectionString);
  const spawned = new Set<FunctionProcess>();
  const firstSlot = new Map<ScaledFunctionName, FunctionProcess>();
  let local: LocalAutoscaler;
  try {
    local = startLocalAutoscaler({
      functions: options.functions.map((fn) => ({
        name: fn.name,
        scaling: {
          ...declaredSubscription(fn.name),
          policy: 'lag',
          ...fn.scaling,
          // Measurements failing three times in a row still leave the walk-through's replica running.
          fallbackReplicas: fn.scaling.minReplicas,
        },
        stopTimeoutMs: options.stopGraceMs,
        spawn: (slot) => {
          const running = spawnFunction(
            fn.name,
            slot === 0 ? fn.name : `${fn.name}#${slot}`,
            slot === 0 ? fn.port : 0,
            {
              ...options.env,
              ...fn.env,
            },
            options.pids,
          );
          spawned.add(running);
          void running.exited.then(() => spawned.delete(running));
          if (slot === 0) firstSlot.set(fn.name, running);
          return running.child;
        },
      })),
      lagSource: eventStoreLagSources(client),
      log: createDecisionLogger(options.log),
      intervalMs: DEV_INTERVAL_MS,
    });
  } catch (err) {
    void client.dispose();
    throw err;
  }

  return {
    async firstReplicas(deadline) {
      return Promise.all(
        options.functions.map(async (fn) => {
          // The loop's first tick starts it (min replicas 1); until then there is nothing to probe.
          while (!firstSlot.has(fn.name)) {
            if (Date.now() > deadline) throw new Error(`the autoscaler did not start ${fn.name} in time`);
            await new Promise((r) => setTimeout(r, FIRST_REPLICA_POLL_MS));
          }
          // A first replica that dies while starting is replaced by the pool (with its crash-loop delay): wait for that one.
          for (;;) {
            const first = firstSlot.get(fn.name) as FunctionProcess;
            try {
              await waitReady(first, deadline);
              return first;
            } catch (err) {
              if (Date.now() > deadline) throw err;
              while (firstSlot.get(fn.name) === first && Date.now() <= deadline)
                await new Promise((r) => setTimeout(r, FIRST_REPLICA_POLL_MS));
            }
          }
        }),
      );
    },
    replicas: (name) => local.pools.get(name)?.currentReplicas() ?? Promise.resolve(0),
    replicaUrls: (name) =>
      [...spawned].filter((p) => p.name === name && p.isRunning()).flatMap((p) => (p.url() === undefined ? [] : [p.url()!])),
    latest: (name) => local.scaler.latest(LOCAL_NAMESPACE, name),
    async stop() {
      await local.stop();
      await client.dispose();
    },
    killAll() {
      for (const running of spawned) running.child.kill('SIGKILL');
    },
  };
}
