import { EventStoreDBClient } from '@eventstore/db-client';
import {
  eventStoreLagSources,
  LOCAL_NAMESPACE,
  type LocalAutoscaler,
  type Outcome,
  startLocalAutoscaler,
  subscriptionFromSource,
} from '@spillway/autoscaler';
import type { SubscriptionSource } from '@spillway/runtime';
import { createDecisionLogger } from './decision-log';
import { type FunctionProcess, spawnFunction, waitReady } from './function-process';
import type { PidFiles } from './leftovers';
import type { DevScaling } from './scaling-plan';

// Lag on the emulator is cheap to measure; a one-second loop makes a burst visible at once.
const DEV_INTERVAL_MS = 1_000;
const FIRST_REPLICA_POLL_MS = 100;

/** One function the local autoscaler runs: its folder, its first replica's port, its environment, its subscription and its scaling. */
export interface ScaledFunction {
  readonly name: string;
  readonly folder: string;
  readonly port: number;
  readonly env: Record<string, string>;
  /** As its definition declares it (one source of truth): the group and `$all` filter whose lag is measured. */
  readonly subscription: { readonly source: SubscriptionSource; readonly group: string };
  readonly scaling: DevScaling;
}

/** The subscription-driven functions in local process pools, each scaled by its group's lag. */
export interface ScaledFunctions {
  /** The first replica (slot 0, on the printed port) of each function, once it answers /readyz. */
  firstReplicas(deadline: number): Promise<FunctionProcess[]>;
  replicas(name: string): Promise<number>;
  /** Where each running replica of `name` listens (the gateway balances over them). */
  replicaUrls(name: string): string[];
  /** The autoscaler's last tick for `name`: its measurement and decision. */
  latest(name: string): Outcome | undefined;
  /** Stops the loop, then every replica (SIGTERM, SIGKILL after the grace), then the lag client. */
  stop(): Promise<void>;
  /** Backstop when dev itself dies: detached replicas would otherwise outlive it. */
  killAll(): void;
}

/**
 * Starts the local autoscaler over `functions`. The first replica of each keeps the port the banner
 * prints, so the walk-through's URLs always answer; further replicas listen on a port the OS picks (PORT=0):
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
  const firstSlot = new Map<string, FunctionProcess>();
  let local: LocalAutoscaler;
  try {
    local = startLocalAutoscaler({
      // On 2 cores every function is fixed at one replica: its lag is measured only when the console asks.
      leaveFixedUnmeasured: true,
      functions: options.functions.map((fn) => ({
        name: fn.name,
        scaling: {
          ...subscriptionFromSource(fn.subscription.source, fn.subscription.group),
          policy: 'lag',
          ...fn.scaling,
          // Measurements failing three times in a row still leave the walk-through's replica running.
          fallbackReplicas: fn.scaling.minReplicas,
        },
        stopTimeoutMs: options.stopGraceMs,
        spawn: (slot) => {
          const running = spawnFunction(
            fn,
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
