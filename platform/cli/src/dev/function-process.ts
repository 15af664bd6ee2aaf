import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';

// A ready function answers /readyz in milliseconds.
const READY_PROBE_TIMEOUT_MS = 2_000;
const READY_POLL_MS = 200;

/** The shop's functions, as `spillway dev` runs them. */
export type ShopFunctionName = 'order-create' | 'stock-reservation' | 'order-projector';

/** One running process of one function. */
export interface FunctionProcess {
  readonly name: string;
  /** Where its HTTP routes answer; undefined when the OS picked its port (PORT=0). */
  readonly url?: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

export function packageFolder(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

function prefixLines(name: string, source: NodeJS.ReadableStream | null, sink: NodeJS.WritableStream): void {
  let buffered = '';
  source?.setEncoding('utf8');
  source?.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) sink.write(`[${name}] ${line}\n`);
  });
}

/**
 * Starts one process of a function on `port` (0: the OS picks one), its output prefixed with `label`.
 * `env` is added to dev's own environment.
 */
export function spawnFunction(name: ShopFunctionName, label: string, port: number, env: Record<string, string>): FunctionProcess {
  const bin = join(packageFolder('@spillway/runtime'), 'bin', 'spillway-function.js');
  const child = spawn(process.execPath, [bin, packageFolder(`@spillway/${name}`)], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C reaches only dev, which then stops each function once, in order.
    detached: true,
  });
  prefixLines(label, child.stdout, process.stdout);
  prefixLines(label, child.stderr, process.stderr);
  const exited = new Promise<number | null>((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveExit(child.exitCode);
    else child.once('exit', (code) => resolveExit(code));
  });
  return { name, ...(port === 0 ? {} : { url: `http://127.0.0.1:${port}` }), child, exited };
}

/** Waits until the process answers /readyz with 200; throws if it exits first or the deadline passes. */
export async function waitReady(running: FunctionProcess, deadline: number): Promise<void> {
  let exited = false;
  void running.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`${running.name} exited during start-up (see its output above)`);
    try {
      // Connection: close, so no idle keep-alive connection of ours holds up the function's drain later.
      // Bounded: whatever else holds the port may accept the connection and never answer.
      const response = await fetch(`${running.url}/readyz`, {
        headers: { connection: 'close' },
        signal: AbortSignal.timeout(READY_PROBE_TIMEOUT_MS),
      });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${running.name} was not ready in time`);
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}

/** SIGTERM (the runtime drains), then SIGKILL after `graceMs`. */
export async function stopProcess(running: FunctionProcess, graceMs: number): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), graceMs);
  await running.exited;
  clearTimeout(timer);
}

export function isRunning(running: FunctionProcess): boolean {
  return running.child.exitCode === null && running.child.signalCode === null;
}
