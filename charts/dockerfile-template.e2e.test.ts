// No Docker engine runs here, so the image is built by running Dockerfile.template's own
// COPY and RUN steps in folders (test-kit/dockerfile-runner): the real `npm ci` (offline,
// from the npm cache the repository's install filled), the real pruning, then the image's
// command as a process. What this cannot check is the base image itself.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuiltImage, buildWithoutDocker } from './test-kit/dockerfile-runner';
import { REPO_ROOT } from './test-kit/helm';

// npm ci of one workspace and its dependencies takes a few seconds; on a busy machine, more.
const BUILD_TIMEOUT_MS = 120_000;
// tsx compiles the function's TypeScript at start-up.
const START_TIMEOUT_MS = 30_000;

const out = mkdtempSync(join(tmpdir(), 'spillway-image-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function build(target: string, buildArgs: Record<string, string>, folder = target): BuiltImage {
  return buildWithoutDocker({
    dockerfile: join(REPO_ROOT, 'Dockerfile.template'),
    context: REPO_ROOT,
    target,
    buildArgs,
    out: join(out, folder),
    // Loopback only: every package must come from the local npm cache.
    runEnv: { npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' },
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function statusOf(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url)).status;
  } catch {
    return undefined;
  }
}

async function waitForStatus(url: string, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await statusOf(url)) === status) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('the function image (FUNCTION=order-create)', () => {
  let image: BuiltImage;
  beforeAll(() => {
    image = build('function', { FUNCTION: 'order-create' });
  }, BUILD_TIMEOUT_MS);

  test('holds only the function, the workspaces it depends on, and production dependencies', () => {
    expect(readdirSync(join(image.dir, 'functions')).sort()).toEqual(['contracts', 'order-create']);
    expect(readdirSync(join(image.dir, 'platform'))).toEqual(['runtime']);
    // Compiled JavaScript, no TypeScript and no loader for it.
    expect(existsSync(join(image.dir, 'platform', 'runtime', 'src', 'process', 'main.js'))).toBe(true);
    expect(existsSync(join(image.dir, 'functions', 'order-create', 'src', 'index.js'))).toBe(true);
    expect(existsSync(join(image.dir, 'platform', 'runtime', 'src', 'process', 'main.ts'))).toBe(false);
    // esbuild, Preact and uPlot bundle the console's app at build time: development dependencies, in no image's closure.
    for (const dev of ['typescript', 'jest', '@biomejs', 'kubernetes-models', 'tsx', '@electric-sql', 'pg', 'esbuild', 'preact', 'uplot']) {
      expect({ dev, installed: existsSync(join(image.dir, 'node_modules', dev)) }).toEqual({ dev, installed: false });
    }
    expect(image.user).toBe('1000:1000');
  });

  test(
    "starts with the image's command, is live before EventStoreDB is reachable but not ready, and drains on SIGTERM",
    async () => {
      const port = await freePort();
      const [command = '', ...args] = [...image.entrypoint, ...image.cmd];
      const child = spawn(command, args, {
        cwd: image.dir,
        // As the chart sets them; port 1 on loopback refuses connections, so the function stays not-ready.
        env: {
          PATH: process.env['PATH'] ?? '',
          ...image.env,
          PORT: String(port),
          ESDB_CONNECTION_STRING: 'esdb://127.0.0.1:1?tls=false',
          DRAIN_TIMEOUT_MS: '2000',
          AUTH: 'none',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exit = exited(child);
      try {
        await waitForStatus(`http://127.0.0.1:${port}/livez`, 200, START_TIMEOUT_MS);
        expect(await statusOf(`http://127.0.0.1:${port}/readyz`)).toBe(503);
      } catch (err) {
        throw new Error(`${err instanceof Error ? err.message : String(err)}\nstderr:\n${stderr}`);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exit).toBe(0);
    },
    START_TIMEOUT_MS + 10_000,
  );
});

describe('the projector image (FUNCTION=order-projector)', () => {
  test(
    'carries the read-model drivers (PostgreSQL and PGlite), which the other functions’ images do not',
    () => {
      const image = build('function', { FUNCTION: 'order-projector' }, 'function-order-projector');
      expect(readdirSync(join(image.dir, 'functions')).sort()).toEqual(['contracts', 'order-projector']);
      for (const driver of ['pg', join('@electric-sql', 'pglite')]) {
        expect({ driver, installed: existsSync(join(image.dir, 'node_modules', driver)) }).toEqual({ driver, installed: true });
      }
      expect(existsSync(join(image.dir, 'functions', 'order-projector', 'src', 'index.js'))).toBe(true);
    },
    BUILD_TIMEOUT_MS,
  );
});

describe('the autoscaler image', () => {
  test(
    'holds the autoscaler and its console, compiled, and its entrypoint runs the autoscaler command',
    async () => {
      const image = build('autoscaler', {});
      // The console it serves at /console comes along, with its app bundled in the image's build.
      expect(readdirSync(join(image.dir, 'platform')).sort()).toEqual(['autoscaler', 'console']);
      expect(existsSync(join(image.dir, 'functions'))).toBe(false);
      expect(readdirSync(join(image.dir, 'platform', 'console', 'app-bundle')).sort()).toEqual(['index.html', 'main.css', 'main.js']);
      expect(existsSync(join(image.dir, 'platform', 'console', 'src', 'console', 'console-app.js'))).toBe(true);
      // The compiled console finds that bundle where it runs (through its package).
      const assets = spawnSync(
        process.execPath,
        [
          '-e',
          "require('./platform/console/src/console/app-assets.js').loadAppAssets().then((a) => process.stdout.write([...a.keys()].join(' ')))",
        ],
        { cwd: image.dir, encoding: 'utf8' },
      );
      expect(assets.stdout.split(' ').sort()).toEqual(['/', '/assets/main.css', '/assets/main.js']);
      for (const absent of [
        'tsx',
        '@spillway/emulator',
        '@spillway/cli',
        '@spillway/runtime',
        '@electric-sql',
        'pg',
        'esbuild',
        'preact',
        'uplot',
      ]) {
        expect({ absent, installed: existsSync(join(image.dir, 'node_modules', absent)) }).toEqual({ absent, installed: false });
      }
      // The external scaler's .proto is not TypeScript: it stays beside the compiled code that loads it.
      expect(existsSync(join(image.dir, 'platform', 'autoscaler', 'src', 'keda', 'externalscaler.proto'))).toBe(true);
      const [command = ''] = image.entrypoint;
      const child = spawn(command, ['--help'], {
        cwd: image.dir,
        env: { PATH: process.env['PATH'] ?? '', ...image.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      expect(await exited(child)).toBe(0);
      expect(stdout).toContain('--leader-elect');
    },
    BUILD_TIMEOUT_MS,
  );
});

describe('the dev image `skaffold dev` builds (target function-dev, FUNCTION=order-create)', () => {
  test(
    'restarts the function when skaffold syncs an edited .ts file of the function or of the runtime: no rebuild',
    async () => {
      const image = build('function-dev', { FUNCTION: 'order-create' });
      const port = await freePort();
      const [command = '', ...args] = [...image.entrypoint, ...image.cmd];
      const child = spawn(command, args, {
        cwd: image.dir,
        env: {
          PATH: process.env['PATH'] ?? '',
          ...image.env,
          PORT: String(port),
          ESDB_CONNECTION_STRING: 'esdb://127.0.0.1:1?tls=false',
          DRAIN_TIMEOUT_MS: '2000',
          AUTH: 'none',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      const exit = exited(child);
      // node --watch announces each restart on stdout.
      const restarts = () => output.match(/Restarting '/g)?.length ?? 0;
      const waitForRestarts = async (count: number) => {
        const deadline = Date.now() + START_TIMEOUT_MS;
        while (restarts() < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(restarts()).toBe(count);
      };
      const starts = () => output.match(/"msg":"function started"/g)?.length ?? 0;
      const waitForStarts = async (count: number) => {
        const deadline = Date.now() + START_TIMEOUT_MS;
        while (starts() < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      };
      try {
        await waitForStatus(`http://127.0.0.1:${port}/livez`, 200, START_TIMEOUT_MS);
        expect(restarts()).toBe(0);
        // What skaffold's manual sync does: write the edited file over the one under /app (the sync rules' dest).
        for (const [i, file] of [
          join('functions', 'order-create', 'src', 'index.ts'),
          join('platform', 'runtime', 'src', 'process', 'main.ts'),
        ].entries()) {
          appendFileSync(join(image.dir, file), '\n// edited\n');
          await waitForRestarts(i + 1);
          // The old process answers /livez until it has drained: wait for the new one's start line, or the next
          // edit lands while node --watch is restarting and is not seen.
          await waitForStarts(i + 2);
          await waitForStatus(`http://127.0.0.1:${port}/livez`, 200, START_TIMEOUT_MS);
        }
      } catch (err) {
        throw new Error(`${err instanceof Error ? err.message : String(err)}\noutput:\n${output}`);
      } finally {
        child.kill('SIGTERM');
      }
      await exit;
    },
    BUILD_TIMEOUT_MS + 3 * START_TIMEOUT_MS,
  );
});
