import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

// A ready function answers /readyz in milliseconds; bounded because whatever else holds the port may accept and never answer.
const READY_PROBE_TIMEOUT_MS = 2_000;
const READY_POLL_MS = 100;
const BIN = join(__dirname, '..', '..', 'bin', 'spillway-function.js');

export interface FunctionProcessOptions {
  /** Names the process in errors. */
  readonly name: string;
  /** 0: the OS picks one. Either way the port is the one the process reports once it listens. */
  readonly port: number;
  /** Added to this process's environment; PORT and HOST (127.0.0.1) are set from `port`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Its own process group, so a Ctrl-C in the terminal reaches only the parent. */
  readonly detached?: boolean;
  /** Every whole line it prints, as it prints it. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** One function running as a real `spillway-function` process, as in production. */
export interface FunctionProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Where its HTTP routes answer; undefined until the process has said it listens. */
  url(): string | undefined;
  /** Resolves with the URL once /readyz answers 200; throws if the process exits first or `deadline` (epoch ms) passes. */
  ready(deadline: number): Promise<string>;
  isRunning(): boolean;
  /** Sends `signal` (SIGTERM: the runtime drains), then SIGKILL after `graceMs` if given; resolves once it has exited. */
  stop(options?: { readonly signal?: 'SIGTERM' | 'SIGKILL'; readonly graceMs?: number }): Promise<void>;
}

function onLines(source: NodeJS.ReadableStream | null, each: (line: string) => void): void {
  let buffered = '';
  source?.setEncoding('utf8');
  source?.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) each(line);
  });
}

function listeningPort(message: unknown): number | undefined {
  const port = (message as { listening?: unknown } | null)?.listening;
  return typeof port === 'number' ? port : undefined;
}

/** Starts `spillway-function <folder>` on 127.0.0.1; `ready()` waits for its /readyz. */
export function spawnFunctionProcess(folder: string, options: FunctionProcessOptions): FunctionProcess {
  const { name, port, env = {}, detached = false, onLine } = options;
  const child = spawn(process.execPath, [BIN, folder], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    // The IPC channel carries no messages: it closes when this process dies, however it dies, and the
    // function then drains and exits (see main.ts) instead of outliving its supervisor.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached,
  });
  // Known once the process itself says it listens (over the channel, whatever its log level):
  // probing a fixed port before that could reach whatever else holds the port (a leftover of an
  // earlier run) and call this process ready.
  let known: number | undefined;
  child.on('message', (message: unknown) => {
    known ??= listeningPort(message);
  });
  onLines(child.stdout, (line) => onLine?.(line, 'stdout'));
  onLines(child.stderr, (line) => onLine?.(line, 'stderr'));
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<number | null>((resolve) => {
    if (!isRunning()) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  const url = () => (known === undefined ? undefined : `http://127.0.0.1:${known}`);

  const ready = async (deadline: number): Promise<string> => {
    for (;;) {
      if (!isRunning()) throw new Error(`${name} exited during start-up`);
      const at = url();
      if (at !== undefined) {
        // Connection: close, so no idle keep-alive connection of ours holds up the function's drain later.
        const answered = await fetch(`${at}/readyz`, {
          headers: { connection: 'close' },
          signal: AbortSignal.timeout(READY_PROBE_TIMEOUT_MS),
        }).then(
          (response) => response.status === 200,
          () => false, // not listening yet
        );
        if (answered) return at;
      }
      if (Date.now() > deadline) throw new Error(`${name} was not ready in time`);
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
  };

  const stop: FunctionProcess['stop'] = async ({ signal = 'SIGTERM', graceMs } = {}) => {
    if (!isRunning()) return;
    child.kill(signal);
    const timer = graceMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return { name, child, exited, url, ready, isRunning, stop };
}
