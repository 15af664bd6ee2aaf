import type { Command } from '../command';
import { wholeNumber } from '../flag-values';
import { sendOrders } from '../load/closed-loop';
import { formatClosedLoop, formatOpenLoop } from '../load/format';
import { runOpenLoad } from '../load/open-loop';
import { parseFlags } from '../parse-flags';
import { UsageError } from '../usage-error';

// Bounds that keep a typo from turning a load test into a denial of service of one's own laptop.
const MAX_ORDERS = 100_000;
const MAX_CONCURRENCY = 1_000;
const MAX_RATE = 10_000;
const MAX_DURATION_S = 3_600;
const MAX_QUANTITY = 1_000_000;
// Several SKUs by default in open loop: one hot SKU measures contention on one stream, not the shop.
const OPEN_LOOP_SKUS = 'load-1,load-2,load-3,load-4,load-5,load-6,load-7,load-8';
// One order in twenty is followed into the read model: enough for a p99 over a 20 s run, few reads.
const DEFAULT_E2E_EVERY = 20;
// How long sampled orders may take to turn final after the last send before they count as not final.
const DEFAULT_E2E_WAIT_S = 30;

const USAGE = `Usage: spillway load [flags]

Sends orders to order-create (POST /orders), each with its own Idempotency-Key.

Closed loop (default): a bounded burst, --concurrency requests in flight; prints how many were
accepted and the latency percentiles.

Open loop (--rate): orders at fixed times, --rate per second for --duration seconds, whether or
not earlier ones were answered; latencies count from each order's intended send time, so
queueing is not hidden. It first restocks the SKUs it uses (order i orders one unit of
skus[i mod n]) so orders are not rejected for stock, and follows every --e2e-every-th order until
its final status shows in the read model (GET /orders/:id): that is the end-to-end latency.
The samples together read at most 10 times a second per sampled order a second (half a read per
order sent at the default --e2e-every 20), so a read model that falls behind is read less often
instead of more.

Flags:
  --url <url>            order-create base URL (default http://127.0.0.1:8081)
  --orders <n>           closed loop: orders to send (default 100, at most ${MAX_ORDERS})
  --concurrency <n>      closed loop: requests in flight at once (default 10, at most ${MAX_CONCURRENCY})
  --rate <n>             open loop: orders per second (at most ${MAX_RATE})
  --duration <s>         open loop: seconds to send for (default 10, at most ${MAX_DURATION_S})
  --stock-url <url>      open loop: stock-reservation base URL for restocking (default http://127.0.0.1:8082)
  --read-url <url>       open loop: order-projector base URL for end-to-end samples (default http://127.0.0.1:8083)
  --restock <n>          open loop: units added to each SKU first (default: what the run orders; 0 adds none)
  --e2e-every <n>        open loop: follow every n-th order into the read model (default ${DEFAULT_E2E_EVERY}; 0 follows none)
  --e2e-wait <s>         open loop: how long samples may take after the last send (default ${DEFAULT_E2E_WAIT_S})
  --skus <a,b,...>       SKUs to order (default apple; open loop: ${OPEN_LOOP_SKUS})
  --quantity <n>         units per line (default 1)
  --json                 print the summary as JSON

Exit status 0 when every order was accepted (and, in open loop, every sample turned final), 1 otherwise.`;

function intFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = wholeNumber(value);
  if (n === undefined || n < min || n > max)
    throw new UsageError(`load: --${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

function urlFlag(name: string, value: string | undefined, fallback: string): string {
  const url = (value ?? fallback).replace(/\/+$/, '');
  if (!/^https?:\/\/\S+$/.test(url) || !URL.canParse(url)) throw new UsageError(`load: --${name} must be an http(s) URL, got '${url}'`);
  return url;
}

const CLOSED_ONLY = ['orders', 'concurrency'] as const;
const OPEN_ONLY = ['duration', 'stock-url', 'read-url', 'restock', 'e2e-every', 'e2e-wait'] as const;

async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('load', argv, {
    url: { type: 'string' },
    orders: { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    'stock-url': { type: 'string' },
    'read-url': { type: 'string' },
    restock: { type: 'string' },
    'e2e-every': { type: 'string' },
    'e2e-wait': { type: 'string' },
    skus: { type: 'string' },
    quantity: { type: 'string' },
    json: { type: 'boolean' },
  });
  const open = values.rate !== undefined;
  // A flag of the other mode would be silently ignored: say so instead.
  for (const name of open ? CLOSED_ONLY : OPEN_ONLY)
    if (values[name] !== undefined)
      throw new UsageError(`load: --${name} belongs to ${open ? 'the closed loop (no --rate)' : 'the open loop (--rate)'}`);
  const url = urlFlag('url', values.url, 'http://127.0.0.1:8081');
  const skus = (values.skus ?? (open ? OPEN_LOOP_SKUS : 'apple'))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (skus.length === 0) throw new UsageError('load: --skus needs at least one SKU');
  const quantity = intFlag('quantity', values.quantity, 1, 1, MAX_QUANTITY);

  if (open) {
    const summary = await runOpenLoad({
      urls: {
        orders: url,
        stock: urlFlag('stock-url', values['stock-url'], 'http://127.0.0.1:8082'),
        readModel: urlFlag('read-url', values['read-url'], 'http://127.0.0.1:8083'),
      },
      rate: intFlag('rate', values.rate, 0, 1, MAX_RATE),
      durationMs: intFlag('duration', values.duration, 10, 1, MAX_DURATION_S) * 1000,
      skus,
      quantity,
      ...(values.restock === undefined ? {} : { restock: intFlag('restock', values.restock, 0, 0, MAX_QUANTITY) }),
      e2eEvery: intFlag('e2e-every', values['e2e-every'], DEFAULT_E2E_EVERY, 0, MAX_ORDERS),
      e2eWaitMs: intFlag('e2e-wait', values['e2e-wait'], DEFAULT_E2E_WAIT_S, 0, MAX_DURATION_S) * 1000,
    });
    process.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : formatOpenLoop(summary, url));
    return summary.failed === 0 && summary.e2e.final === summary.e2e.sampled ? 0 : 1;
  }

  const summary = await sendOrders({
    url,
    orders: intFlag('orders', values.orders, 100, 1, MAX_ORDERS),
    concurrency: intFlag('concurrency', values.concurrency, 10, 1, MAX_CONCURRENCY),
    skus,
    quantity,
  });
  process.stdout.write(values.json ? `${JSON.stringify({ ...summary, orderIds: undefined })}\n` : formatClosedLoop(summary, url));
  const accepted = summary.byStatus['201'] ?? 0;
  return accepted === summary.sent ? 0 : 1;
}

export const command: Command = {
  name: 'load',
  summary: 'send orders to order-create: a burst (closed loop) or a fixed rate (open loop)',
  usage: USAGE,
  run,
};
