import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Part 1's emulator-in-a-process: prints its connection string, serves until killed. */
const CHILD = join(__dirname, 'emulator-process.ts');

export interface ChildEmulator {
  readonly child: ChildProcess;
  readonly connectionString: string;
}

/** Starts an emulator in its own process on `dataDir` (or `--mem`), with emulator-process.ts flags: a hang or crash there cannot take the test runner with it. */
export async function startChild(dataDir: string, ...flags: string[]): Promise<ChildEmulator> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', CHILD, dataDir, ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => ['child exited'])])) as [string];
  lines.close();
  if (!line.startsWith('esdb://')) throw new Error(`emulator did not start: ${line}`);
  return { child, connectionString: line.trim() };
}

/** SIGTERM, as an operator stops it: the emulator flushes its log and exits. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** SIGKILL, as a crash: nothing is flushed. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Resolves to `work`'s result, or rejects naming `what` once `ms` have passed. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
