import * as fs from 'node:fs';
import * as path from 'node:path';

const LOCK_FILE = 'emulator.lock';

/** One emulator per data folder: a lock file naming the owner's pid; a dead owner's lock is taken over. */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(owner) && isAlive(owner)) {
        throw new Error(`emulator: ${dataDir} is in use by process ${owner} (${file})`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`emulator: cannot lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
