import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../usage-error';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One `spillway dev` per data folder: two emulators on one log, or two PGlite processes on one
 * database folder, would corrupt them. A stale file from a killed run is taken over.
 * Returns the unlock function.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'dev.pid');
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(path, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new UsageError(`dev: ${dataDir} is in use by another spillway dev (pid ${holder}); stop it or pass another --data-dir`);
  }
  writeFileSync(path, `${process.pid}\n`);
  return () => rmSync(path, { force: true });
}
