// `npm run bench:shop`: the whole shop as `npm start` runs it (durable emulator, PGlite, or PostgreSQL
// when DATABASE_URL is set; local autoscaling), loaded open loop at 50, 100, 200 and 400 orders/s for
// 20 s each by the same code as `spillway load --rate`. Prints a table and, last,
// `shop: POST p99 X ms, e2e p99 Y ms at 200 orders/s; max sustained Z orders/s`.
//
// Before the first rate the shop runs WARMUP seconds at that rate unmeasured: a fresh shop's processes compile
// their hot paths in the first second or so, which would otherwise be the first rate's tail.
//
// BENCH_RATES=50,100, BENCH_SECONDS=5 and BENCH_WARMUP_SECONDS shorten a run; BENCH_SHOP_ROOT=/path/to/checkout
// runs another checkout's shop under the same load generator (for before/after comparisons in one sitting).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { wholeNumber } from '../src/flag-values';
import { type OpenLoopSummary, runOpenLoad } from '../src/load/open-loop';
import { hopSnapshot, hopSummary } from './hop-latency';
import { commandLine, type MachineShares, machineCpu, machineShares, treeCpuMsByPart } from './process-cpu';

/**
 * Whole numbers of at least `min` from the environment (comma-separated where `list`), or the default;
 * anything else stops the bench naming the setting.
 */
function settings(name: string, fallback: string, min: number, list = false): number[] {
  const raw = process.env[name] ?? fallback;
  const values = (list ? raw.split(',') : [raw]).map(wholeNumber);
  if (values.some((v) => v === undefined || v < min)) {
    const what = list ? 'comma-separated whole numbers' : 'a whole number';
    process.stderr.write(`bench:shop: ${name} must be ${what} of at least ${min}, got '${raw}'\n`);
    process.exit(2);
  }
  return values as number[];
}

const RATES = settings('BENCH_RATES', '50,100,200,400', 1, true);
const [SECONDS = 20] = settings('BENCH_SECONDS', '20', 1);
const [WARMUP_SECONDS = 5] = settings('BENCH_WARMUP_SECONDS', '5', 0);
const ROOT = process.env.BENCH_SHOP_ROOT ?? join(__dirname, '..', '..', '..');
const DATABASE_URL = process.env.DATABASE_URL ?? '';
// Extra `spillway dev` flags, for experiments (e.g. `--no-autoscale`).
const DEV_ARGS = (process.env.BENCH_DEV_ARGS ?? '').split(' ').filter(Boolean);
// The issue's bar for "sustained": POST p99 under 25 ms and every order accepted.
const SUSTAINED_POST_P99_MS = 25;
const REPORTED_RATE = 200;
// One order in twenty is followed into the read model; each may take this long after the last send.
const E2E_EVERY = 20;
const E2E_WAIT_MS = 60_000;
// Lets the autoscaler and the group checkpoints settle between rates.
const PAUSE_MS = 3_000;
const READY_DEADLINE_MS = 90_000;
const STOP_GRACE_MS = 20_000;

interface Shop {
  readonly child: ChildProcess;
  readonly urls: Record<string, string>;
  readonly exited: Promise<void>;
}

async function startShop(dataDir: string): Promise<Shop> {
  const ports = ['--gateway-port', '--emulator-port', '--order-create-port', '--stock-reservation-port', '--order-projector-port'].flatMap(
    (f) => [f, '0'],
  );
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'platform', 'cli', 'bin', 'spillway.js'),
      'dev',
      '--data-dir',
      dataDir,
      ...ports,
      '--database-url',
      DATABASE_URL,
      ...DEV_ARGS,
    ],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // What dev prints is kept until the shop is up (the ready line, the URLs); after that the pipes are only
  // drained, so dev never blocks on them and the generator does not hold a whole run's log.
  let out = '';
  let collecting = true;
  const collect = (chunk: Buffer) => {
    if (collecting) out += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (!out.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`spillway dev did not come up:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const urls = Object.fromEntries([...out.matchAll(/^ {2}([a-z-]+) +(http:\/\/\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
  collecting = false;
  out = '';
  return { child, urls, exited };
}

/**
 * CPU used so far by the shop's processes, per hop: each function's replicas together, and `dev` for the
 * dev process itself (emulator, autoscaler, gateway, console) and anything else it started.
 */
function cpuByPart(root: number): Map<string, number> | undefined {
  return treeCpuMsByPart(root, (pid) => /functions\/([a-z0-9-]+)/.exec(commandLine(pid))?.[1] ?? 'dev');
}

async function stopShop(shop: Shop): Promise<void> {
  shop.child.kill('SIGTERM');
  const timer = setTimeout(() => shop.child.kill('SIGKILL'), STOP_GRACE_MS);
  await shop.exited;
  clearTimeout(timer);
}

/** The answers other than 201, e.g. `503: 812, no answer: 8`. */
function answers(byStatus: Record<string, number>): string {
  return Object.entries(byStatus)
    .filter(([status]) => status !== '201')
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ');
}

/** Why requests got no answer, e.g. `; socket hang up ×3`. */
function noAnswerReasons(noAnswer: Record<string, number>): string {
  return Object.entries(noAnswer)
    .map(([error, n]) => `; ${error} ×${n}`)
    .join('');
}

/**
 * The machine's share of busy and stolen time during a rate: on a virtual machine whose host is shared, the
 * hypervisor can take a large part of the cores (steal), and the tails then measure the host, not the shop.
 */
function machineText(machine: MachineShares | undefined): string {
  return machine ? `; machine ${machine.busyPct} % busy, ${machine.stealPct} % stolen by the hypervisor` : '';
}

function sustained(s: OpenLoopSummary): boolean {
  return s.failed === 0 && s.postMs.p99 < SUSTAINED_POST_P99_MS;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spillway-bench-shop-'));
  const readModel = DATABASE_URL ? 'PostgreSQL' : 'PGlite';
  process.stdout.write(
    `shop bench: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
      `durable emulator, ${readModel}, local autoscaling; ${SECONDS} s per rate after ${WARMUP_SECONDS} s unmeasured; shop from ${ROOT}\n`,
  );
  const shop = await startShop(dataDir);
  const results: (OpenLoopSummary & {
    cpuMsPerOrder?: number;
    generatorCpuMsPerOrder: number;
    machine?: MachineShares;
  })[] = [];
  // The URL dev prints for a function is its first replica's: a scaled stock-reservation's others are not in its figures.
  const hopUrls = { 'order-create': shop.urls['order-create']!, 'stock-reservation': shop.urls['stock-reservation']! };
  const hopSnapshots = () => Promise.all(Object.values(hopUrls).map((url) => hopSnapshot(url)));
  const pid = shop.child.pid as number;
  const urls = { orders: shop.urls['order-create']!, stock: shop.urls['stock-reservation']!, readModel: shop.urls['order-projector']! };
  try {
    if (WARMUP_SECONDS > 0 && RATES[0] !== undefined) {
      const rate = RATES[0];
      const skus = Array.from({ length: 8 }, (_, i) => `bench-warmup-${i + 1}`);
      // No order is followed into the read model: the warm-up's figures are not read, so polling for them would only add load.
      await runOpenLoad({ urls, rate, durationMs: WARMUP_SECONDS * 1000, skus, quantity: 1, e2eEvery: 0, e2eWaitMs: 0 });
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
    for (const rate of RATES) {
      const hopsBefore = await hopSnapshots();
      const cpuBefore = cpuByPart(pid);
      const generatorBefore = process.cpuUsage();
      const machineBefore = machineCpu();
      const loaded = await runOpenLoad({
        urls,
        rate,
        durationMs: SECONDS * 1000,
        skus: Array.from({ length: 8 }, (_, i) => `bench-${rate}-${i + 1}`),
        quantity: 1,
        e2eEvery: E2E_EVERY,
        e2eWaitMs: E2E_WAIT_MS,
      });
      const cpuAfter = cpuByPart(pid);
      const generator = process.cpuUsage(generatorBefore);
      const machineAfter = machineCpu();
      const machine = machineBefore && machineAfter ? machineShares(machineBefore, machineAfter) : undefined;
      const hopsAfter = await hopSnapshots();
      const hops = Object.keys(hopUrls)
        .map((name, i) => [name, hopSummary(hopsBefore[i], hopsAfter[i], name === 'order-create')] as const)
        .filter(([, summary]) => summary !== undefined)
        .map(([name, summary]) => `${name}: ${summary}`)
        .join('; ');
      // Read once the samples are final, so it includes the work the run queued, not only what kept up.
      const perPart =
        cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : [...cpuAfter].map(([part, ms]) => [part, (ms - (cpuBefore.get(part) ?? 0)) / loaded.sent] as const);
      const round = (ms: number) => Math.round(ms * 10) / 10;
      const cpuMsPerOrder = perPart === undefined ? undefined : round(perPart.reduce((sum, [, ms]) => sum + ms, 0));
      // The generator shares the cores with the shop: what it costs is CPU the shop did not have.
      const generatorCpuMsPerOrder = round((generator.user + generator.system) / 1000 / loaded.sent);
      const summary = {
        ...loaded,
        generatorCpuMsPerOrder,
        ...(cpuMsPerOrder === undefined ? {} : { cpuMsPerOrder }),
        ...(machine === undefined ? {} : { machine }),
      };
      results.push(summary);
      const split = perPart ? ` (${perPart.map(([part, ms]) => `${part} ${round(ms)}`).join(', ')})` : '';
      process.stdout.write(
        `  ${rate}/s: POST p99 ${summary.postMs.p99} ms, e2e p99 ${summary.e2e.ms.p99} ms, accepted ${summary.accepted}/${summary.sent}, shop CPU ${cpuMsPerOrder ?? '?'} ms/order${split}, generator ${generatorCpuMsPerOrder}${machineText(machine)}\n` +
          (hops ? `    hops (the functions' own histograms): ${hops}\n` : ''),
      );
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
  } finally {
    await stopShop(shop);
    rmSync(dataDir, { recursive: true, force: true });
  }

  const rows = results.map((s) =>
    [
      `${s.rate}`,
      `${s.postMs.p50} / ${s.postMs.p90} / ${s.postMs.p99} / ${s.postMs.max}`,
      `${s.accepted}/${s.sent}${s.failed > 0 ? ` (${answers(s.byStatus)}${noAnswerReasons(s.noAnswer)})` : ''}`,
      `${s.e2e.ms.p50} / ${s.e2e.ms.p99}`,
      `${s.e2e.final}/${s.e2e.sampled}`,
      `${s.generatorLagMs}`,
      `${s.cpuMsPerOrder ?? 'n/a'}`,
      `${s.generatorCpuMsPerOrder}`,
      s.machine ? `${s.machine.busyPct} / ${s.machine.stealPct}` : 'n/a',
    ].join(' | '),
  );
  process.stdout.write(
    [
      '',
      '| orders/s | POST p50 / p90 / p99 / max ms | accepted | e2e p50 / p99 ms | samples final | generator lag ms | shop CPU ms/order | generator CPU ms/order | machine busy / steal % |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows.map((r) => `| ${r} |`),
      '',
    ].join('\n'),
  );
  const at = results.find((s) => s.rate === REPORTED_RATE);
  const best = results.filter(sustained).reduce((max, s) => Math.max(max, s.rate), 0);
  const figures = at
    ? `POST p99 ${at.postMs.p99} ms, e2e p99 ${at.e2e.ms.p99} ms at ${REPORTED_RATE} orders/s`
    : `no run at ${REPORTED_RATE} orders/s`;
  process.stdout.write(`shop: ${figures}; max sustained ${best} orders/s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:shop failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
