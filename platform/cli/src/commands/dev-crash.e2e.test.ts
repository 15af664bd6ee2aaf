import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../dev/free-port';
import { alive, childrenOf, type Dev, eventually, repoRoot, spillwayBin, startDev, stopDevs } from '../dev/testing/dev-process';

// Two starts of the whole shop and a crash: bounded, not quick.
jest.setTimeout(180_000);

const functionBin = join(repoRoot, 'platform', 'runtime', 'bin', 'spillway-function.js');

/** Runs `spillway dev` to its end (it is expected to refuse to start) and returns its exit code and output. */
function runDevToEnd(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [spillwayBin, 'dev', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('spillway dev after a crash', () => {
  let dataDir: string;
  const devs: Dev[] = [];
  let stray: ChildProcess | undefined;
  let blocker: Server | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'spillway-dev-crash-'));
  });

  afterAll(async () => {
    await stopDevs(devs);
    if (stray?.exitCode === null) stray.kill('SIGKILL');
    blocker?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('kill -9 of dev leaves no function or replica running, and the next start stops what an older run left behind', async () => {
    const first = await startDev(dataDir);
    devs.push(first);
    // Not tsx's esbuild service, which dev runs too.
    const children = childrenOf(first.child.pid!).filter((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('spillway-function'),
    );
    // order-create, a stock-reservation replica, the projector.
    expect(children.length).toBeGreaterThanOrEqual(3);
    expect(readdirSync(join(dataDir, 'pids')).map(Number).sort()).toEqual([...children].sort());
    first.child.kill('SIGKILL');
    // Each notices its supervisor is gone (its IPC channel closes), drains and exits; before, they ran on under init.
    await eventually('every function of the killed dev to exit', () => (children.some(alive) ? undefined : true));

    // A process an older version left running, recorded in the pid folder and holding order-create's port.
    const port = await freePort();
    stray = spawn(process.execPath, [functionBin, join(repoRoot, 'functions', 'order-create')], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', AUTH: 'none' },
      stdio: 'ignore',
    });
    await eventually('the stray function to listen', async () =>
      fetch(`http://127.0.0.1:${port}/livez`).then(
        (r) => (r.ok ? true : undefined),
        () => undefined,
      ),
    );
    await mkdir(join(dataDir, 'pids'), { recursive: true });
    writeFileSync(join(dataDir, 'pids', String(stray.pid)), 'order-create\n');

    const second = await startDev(dataDir, ['--order-create-port', String(port)]);
    devs.push(second);
    expect(second.output()).toContain(`stopped 1 process left running by an earlier spillway dev (order-create pid ${stray.pid})`);
    expect(stray.exitCode !== null || stray.signalCode !== null).toBe(true);
    expect(existsSync(join(dataDir, 'pids', String(stray.pid)))).toBe(false);
    // The order-create that answers is the new one.
    expect(second.urls['order-create']).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${second.urls['order-create']}/readyz`)).status).toBe(200);
  });

  test('a function that dies is restarted, saying so, and the shop stays up', async () => {
    const dev = devs[1]!;
    const functions = () => childrenOf(dev.child.pid!).map((pid) => ({ pid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8') }));
    const orderCreate = functions().find((p) => p.cmdline.includes('functions/order-create'))!;
    const stock = functions().find((p) => p.cmdline.includes('functions/stock-reservation'))!;
    process.kill(orderCreate.pid, 'SIGKILL');
    process.kill(stock.pid, 'SIGKILL');
    await eventually('the restart line', () =>
      dev.output().includes('[dev] order-create exited (killed by SIGKILL); restarting it in 1 s') ? true : undefined,
    );
    for (const name of ['order-create', 'stock-reservation'] as const) {
      await eventually(`${name} to answer again`, () =>
        fetch(`${dev.urls[name]}/readyz`).then(
          (r) => (r.status === 200 ? true : undefined),
          () => undefined,
        ),
      );
    }
    expect(dev.child.exitCode).toBeNull();
    expect(functions().some((p) => p.pid === orderCreate.pid)).toBe(false);
  });

  test('a port held by another program stops dev before anything starts, with one line naming the port and the flag', async () => {
    blocker = createServer();
    const port = await new Promise<number>((resolve) => {
      blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port));
    });
    const other = await mkdtemp(join(tmpdir(), 'spillway-dev-port-'));
    try {
      const { code, output } = await runDevToEnd([
        '--data-dir',
        other,
        ...['--emulator-port', '--gateway-port', '--stock-reservation-port', '--order-projector-port'].flatMap((flag) => [flag, '0']),
        '--order-create-port',
        String(port),
      ]);
      expect(code).toBe(1);
      expect(output.trim().split('\n')).toEqual([
        `spillway: port ${port} (order-create) is already in use by another process; stop it, or pass --order-create-port <port> (0 picks a free one)`,
      ]);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
