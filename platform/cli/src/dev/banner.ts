/** What the banner shows: where everything listens, and how the scaled functions scale. */
export interface BannerInput {
  readonly dataDir: string;
  readonly emulator: string;
  /** The gateway: every function's routes on one URL. */
  readonly gateway: string;
  /** The live console the gateway serves. */
  readonly console: string;
  readonly urls: ReadonlyMap<string, string>;
  readonly readModel: string;
  readonly seconds: number;
  /** One line per scaled function, or empty when autoscaling is off. */
  readonly scaling: readonly string[];
}

const SAMPLE_ORDER = '{"customerId":"c-1","items":[{"sku":"apple","quantity":2,"unitPrice":0.5}],"currency":"EUR"}';

/** The lines `spillway dev` prints once the shop is ready. */
export function banner(input: BannerInput): string {
  const url = (name: string) => input.urls.get(name) ?? '';
  const scaling =
    input.scaling.length > 0
      ? ['', 'Replicas (local process pools, scaled by subscription lag; --no-autoscale turns this off):', ...input.scaling]
      : ['', 'Replicas: one process each (--no-autoscale).'];
  return [
    `Spillway shop ready in ${input.seconds.toFixed(1)} s (data in ${input.dataDir})`,
    `  emulator           ${input.emulator}`,
    `  gateway            ${input.gateway}   (every route below, one URL; GET /openapi.json)`,
    `  console            ${input.console}   (functions, subscriptions, streams, try it: live)`,
    ...[...input.urls].map(([name, address]) => `  ${name.padEnd(18)} ${address}`),
    `  read model         ${input.readModel}`,
    ...scaling,
    '',
    'Try it:',
    `  curl -X POST ${input.gateway}/inventory/apple/restock -H 'content-type: application/json' -d '{"quantity":10}'`,
    `  curl -X POST ${input.gateway}/orders -H 'content-type: application/json' -H 'idempotency-key: first-order' -d '${SAMPLE_ORDER}'`,
    `  curl ${input.gateway}/orders/<orderId from the previous answer>`,
    `  npx spillway load --url ${url('order-create')} --orders 500   (${
      input.scaling.length > 0
        ? 'a burst of one-apple orders: restock apple by 500 first, then watch stock-reservation scale up, then down'
        : 'a burst of one-apple orders (restock apple by 500 first); one process each, nothing scales'
    })`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
