// Measures each image Dockerfile.template builds, without Docker (test-kit/dockerfile-runner):
// the application layer's size (the final stage's WORKDIR, what COPY --from puts on the base
// image) and the start-up time of its command (spawn to the first 200 from /livez, median of
// five starts, EventStoreDB unreachable so nothing else is waited for).
//   npx tsx charts/test-kit/measure-images.ts [Dockerfile] [order-create,autoscaler,...] [other checkout]
// With another checkout (e.g. a clone at an older commit), its images are built from its own
// Dockerfile.template and sources too, and the two are started in turn, so both see the same load.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FakeKubernetes } from '@spillway/autoscaler';
import { Client } from 'pg';
import { writeKubeconfig } from '../../platform/autoscaler/src/test-kit/kubeconfig-file';
import { buildWithoutDocker } from './dockerfile-runner';
import { REPO_ROOT } from './helm';

const STARTS = 5;
const TIMEOUT_MS = 60_000;

const TARGETS: readonly { name: string; target: string; args: Record<string, string>; livez: string; portEnv?: string; argv?: string[] }[] =
  [
    { name: 'order-create', target: 'function', args: { FUNCTION: 'order-create' }, livez: '/livez', portEnv: 'PORT' },
    { name: 'stock-reservation', target: 'function', args: { FUNCTION: 'stock-reservation' }, livez: '/livez', portEnv: 'PORT' },
    { name: 'order-projector', target: 'function', args: { FUNCTION: 'order-projector' }, livez: '/livez', portEnv: 'PORT' },
    { name: 'autoscaler', target: 'autoscaler', args: {}, livez: '/livez' },
  ];

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

async function startUpMs(command: string[], cwd: string, env: Record<string, string>, url: string): Promise<number> {
  const started = performance.now();
  const [bin = '', ...args] = command;
  const child: ChildProcess = spawn(bin, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    while (performance.now() - started < TIMEOUT_MS) {
      try {
        if ((await fetch(url)).status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${url} not live within ${TIMEOUT_MS} ms; stderr:\n${stderr.slice(-2000)}`);
  } finally {
    child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const dockerfile = resolve(process.argv[2] ?? join(REPO_ROOT, 'Dockerfile.template'));
  const out = mkdtempSync(join(tmpdir(), 'spillway-measure-'));
  // The autoscaler is live once its Deployment watch has started: give it an API server.
  const kube = await FakeKubernetes.start();
  const kubeconfig = writeKubeconfig(out, kube.url);
  // The projector's read model: a database of its own on the machine's PostgreSQL.
  const database = `spillway_measure_${process.pid}`;
  const admin = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  try {
    const only = process.argv[3]?.split(',');
    for (const t of TARGETS.filter((x) => !only || only.includes(x.name))) {
      const contexts = [REPO_ROOT, ...(process.argv[4] ? [resolve(process.argv[4])] : [])];
      const images = contexts.map((context, n) =>
        buildWithoutDocker({
          dockerfile: n === 0 ? dockerfile : join(context, 'Dockerfile.template'),
          context,
          target: t.target,
          buildArgs: t.args,
          out: join(out, t.name, String(n)),
          runEnv: { npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' },
        }),
      );
      const times: number[][] = images.map(() => []);
      for (let i = 0; i < STARTS; i++) {
        for (const [n, image] of images.entries()) {
          const port = await freePort();
          const grpc = await freePort();
          const env = {
            PATH: process.env['PATH'] ?? '',
            ...image.env,
            PORT: String(port),
            KEDA_GRPC_PORT: String(grpc),
            ESDB_CONNECTION_STRING: 'esdb://127.0.0.1:1?tls=false',
            KUBECONFIG: kubeconfig,
            AUTH: 'none',
            DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
          };
          const cmd = [...image.entrypoint, ...image.cmd];
          const command = t.target === 'autoscaler' ? [...cmd, '--port', String(port), '--grpc-port', String(grpc)] : cmd;
          times[n]?.push(await startUpMs(command, image.dir, env, `http://127.0.0.1:${port}${t.livez}`));
        }
      }
      for (const [n, image] of images.entries()) {
        const bytes = Number(execFileSync('du', ['-sb', image.dir], { encoding: 'utf8' }).split('\t')[0]);
        const sorted = [...(times[n] ?? [])].sort((a, b) => a - b);
        const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
        const label = n === 0 ? 'this checkout' : contexts[n];
        process.stdout.write(
          `${t.name}\t${label}\tapp layer ${(bytes / 1e6).toFixed(1)} MB\tstart-up to /livez ${median.toFixed(0)} ms (median of ${STARTS})\n`,
        );
      }
      rmSync(join(out, t.name), { recursive: true, force: true });
    }
  } finally {
    await kube.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
