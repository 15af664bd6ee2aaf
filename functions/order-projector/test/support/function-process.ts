import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';

// Start-up includes tsx compiling the function and, for the projector, migrations: generous on a loaded 2-core CI box.
const READY_DEADLINE_MS = 60_000;
const POLL_MS = 100;
const KEPT_LINES = 200;

/** One function running as a real `spillway-function` process, as in production. */
export interface FunctionProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** SIGTERM (drain) or SIGKILL; resolves when the process has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** The last lines it printed, for a failing test's message. */
  output(): string;
}

function packageFolder(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** Starts `@spillway/<name>` with `spillway-function` on a free port and waits until /readyz answers 200. */
export async function startFunctionProcess(name: string, env: Record<string, string>): Promise<FunctionProcess> {
  const bin = join(packageFolder('@spillway/runtime'), 'bin', 'spillway-function.js');
  const child: ChildProcess = spawn(process.execPath, [bin, packageFolder(`@spillway/${name}`)], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DRAIN_TIMEOUT_MS: '2000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let port: number | undefined;
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.length === 0) continue;
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      if (port === undefined && line.includes('"function started"')) port = (JSON.parse(line) as { port?: number }).port;
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const output = () => lines.join('\n');
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    if (!gone) child.kill(signal);
    await exited;
  };

  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (gone) throw new Error(`${name} exited during start-up:\n${output()}`);
    if (port !== undefined) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`, {
        headers: { connection: 'close' },
        signal: AbortSignal.timeout(2_000),
      }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
    }
    if (Date.now() > deadline) {
      await stop('SIGKILL');
      throw new Error(`${name} was not ready within ${READY_DEADLINE_MS} ms:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { name, url: `http://127.0.0.1:${port}`, pid: child.pid ?? -1, stop, output };
}
