import type { DevProjections } from './dev-projections';

/** What the banner shows: where everything listens, and how the scaled functions scale. */
export interface BannerInput {
  readonly dataDir: string;
  readonly emulator: string;
  /** The projections the emulator runs, and why. */
  readonly projections: DevProjections;
  /** The gateway: every function's routes on one URL. */
  readonly gateway: string;
  /** The live console the gateway serves. */
  readonly console: string;
  /** Every function's URL, by name: the shop's on their documented ports, then the others. */
  readonly urls: ReadonlyMap<string, string>;
  /** Folders under functions/ that default-export no definition, so nothing runs for them. */
  readonly skipped: readonly string[];
  /** Where the read models keep their data; empty when no function declares one. */
  readonly readModel: string;
  readonly seconds: number;
  /** False with --no-autoscale. */
  readonly autoscale: boolean;
  /** One line per scaled function (empty when autoscaling is off or no function has a subscription). */
  readonly scaling: readonly string[];
  /** The most stock-reservation may run: whether the load hint's burst can make it scale (undefined: not scaled). */
  readonly reservationMax?: number;
}

const SAMPLE_ORDER = '{"customerId":"c-1","items":[{"sku":"apple","quantity":2,"unitPrice":0.5}],"currency":"EUR"}';

function burstHint(input: BannerInput): string {
  if (!input.autoscale) return '; one process each, nothing scales';
  // On 2 cores the default ceiling is 1: promising to watch it scale would send the user looking for nothing.
  if ((input.reservationMax ?? 1) <= 1) return '; stock-reservation is fixed at 1 here: start with --max-replicas 3 to watch it scale';
  return ', then watch stock-reservation scale up, then down';
}

function replicaLines(input: BannerInput): string[] {
  if (!input.autoscale) return ['Replicas: one process each (--no-autoscale).'];
  if (input.scaling.length === 0) return ['Replicas: one process each (no function has a subscription to scale by).'];
  return ['Replicas (local process pools, scaled by subscription lag; --no-autoscale turns this off):', ...input.scaling];
}

/** The lines `spillway dev` prints once every function is ready. */
export function banner(input: BannerInput): string {
  const url = (name: string) => input.urls.get(name) ?? '';
  const scaling = ['', ...replicaLines(input)];
  // The walk-through needs the shop; a repository without it gets the gateway's route list instead.
  const tryIt = input.urls.has('order-create')
    ? [
        `  curl -X POST ${input.gateway}/inventory/apple/restock -H 'content-type: application/json' -d '{"quantity":10}'`,
        `  curl -X POST ${input.gateway}/orders -H 'content-type: application/json' -H 'idempotency-key: first-order' -d '${SAMPLE_ORDER}'`,
        `  curl ${input.gateway}/orders/<orderId from the previous answer>`,
        `  npx spillway load --url ${url('order-create')} --orders 500   (a burst of one-apple orders: restock apple by 500 first${burstHint(input)})`,
      ]
    : [`  curl ${input.gateway}/openapi.json   (every function's routes)`];
  return [
    `Spillway ready in ${input.seconds.toFixed(1)} s: ${input.urls.size} function${input.urls.size === 1 ? '' : 's'} (data in ${input.dataDir})`,
    `  emulator           ${input.emulator}   (projections: ${input.projections.level}, ${input.projections.why})`,
    `  gateway            ${input.gateway}   (every route below, one URL; GET /openapi.json)`,
    `  console            ${input.console}   (functions, subscriptions, streams, try it: live)`,
    ...[...input.urls].map(([name, address]) => `  ${name.padEnd(18)} ${address}`),
    ...(input.readModel ? [`  read model         ${input.readModel}`] : []),
    ...(input.skipped.length > 0 ? [`  not functions      ${input.skipped.join(', ')}   (no default-exported defineFunction)`] : []),
    ...scaling,
    '',
    'Try it:',
    ...tryIt,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
