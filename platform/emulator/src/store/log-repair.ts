/**
 * `spillway log verify` and `spillway log repair` (and `spillway emulator --repair`): check a
 * data folder's log the way start-up does, and on damage keep everything before it in a new
 * log while the damaged file is moved aside whole (never deleted).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lockDataDir } from './data-dir-lock';
import { saveTail, syncDirectory } from './file-journal';
import { checkLog, damageReport, keptSummary, LOG_FILE, type LogCheck, tornTailReport } from './log-check';
import { FILE_HEADER_SIZE, fileHeader } from './log-format';
import { type LogScan, scanRecords } from './log-scan';

export interface LogVerdict {
  /** Whether the emulator starts on this log as it is (a torn tail is dropped at start). */
  readonly starts: boolean;
  readonly message: string;
}

export interface LogRepair {
  /** What was done: nothing, a torn tail dropped, or the file moved aside and a new log written. */
  readonly action: 'none' | 'dropped-torn-tail' | 'moved-aside' | 'started-anew';
  readonly message: string;
  /** The original file, kept whole, when it was moved aside. */
  readonly movedTo?: string;
}

function withLog<T>(dataDir: string, mode: 'r' | 'r+', body: (file: string, fd: number) => T): T | undefined {
  const file = path.join(dataDir, LOG_FILE);
  if (!fs.existsSync(file)) return undefined;
  const release = lockDataDir(dataDir);
  try {
    const fd = fs.openSync(file, mode);
    try {
      return body(file, fd);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    release();
  }
}

/** Reads the whole log and says whether, and how, the emulator would start on it. Changes nothing. */
export function verifyLog(dataDir: string): LogVerdict {
  const verdict = withLog(dataDir, 'r', (file, fd): LogVerdict => {
    const check = checkLog(file, fd);
    if (check.kind === 'partial')
      return { starts: true, message: `${file}: ${check.size} bytes, the start of a file header: starts as a new log` };
    if (check.kind === 'unreadable' || check.scan.damage?.kind === 'corrupt')
      return { starts: false, message: damageReport(check, dataDir) };
    const { scan } = check;
    if (scan.damage?.kind === 'torn') {
      return {
        starts: true,
        message: `${file}: a torn tail of ${scan.damage.bytes} bytes at offset ${scan.damage.offset} (dropped and saved aside at start); good: ${keptSummary(scan)}`,
      };
    }
    return { starts: true, message: `${file}: clean, ${keptSummary(scan)}` };
  });
  return verdict ?? { starts: true, message: `${path.join(dataDir, LOG_FILE)} does not exist: the emulator starts an empty log` };
}

/** Repairs the log so that the emulator starts on it; see LogRepair. */
export function repairLog(dataDir: string): LogRepair {
  const repair = withLog(dataDir, 'r+', (file, fd): LogRepair => {
    const check = checkLog(file, fd);
    if (check.kind === 'partial') {
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, fileHeader(), 0, FILE_HEADER_SIZE, 0);
      fs.fsyncSync(fd);
      return { action: 'started-anew', message: `${file}: ${check.size} bytes, the start of a file header: written anew` };
    }
    if (check.kind === 'unreadable') return repairUnreadable(dataDir, file, fd, check);
    const { scan } = check;
    if (scan.damage === undefined) return { action: 'none', message: `${file}: clean, nothing to repair (${keptSummary(scan)})` };
    if (scan.damage.kind === 'torn') {
      const savedTo = saveTail(fd, file, scan.damage.offset, scan.size, 'torn');
      fs.ftruncateSync(fd, scan.end);
      fs.fsyncSync(fd);
      return { action: 'dropped-torn-tail', message: tornTailReport(scan, savedTo) };
    }
    return moveAside(file, fd, scan, false);
  });
  return repair ?? { action: 'none', message: `${path.join(dataDir, LOG_FILE)} does not exist: nothing to repair` };
}

function repairUnreadable(dataDir: string, file: string, fd: number, check: Extract<LogCheck, { kind: 'unreadable' }>): LogRepair {
  switch (check.header.kind) {
    case 'version':
      // Not damage: an older format this version does not read. Moving it aside would look like a repair and keep nothing.
      throw new Error(damageReport(check, dataDir));
    case 'damaged': {
      // Only the 16-byte file header is wrong: every record carries its own checksums, so they are checked one by one.
      return moveAside(file, fd, scanRecords(file, fd), true);
    }
    case 'foreign':
      return moveAside(file, fd, undefined, true);
    default:
      throw new Error(`unexpected header check ${JSON.stringify(check.header)}`);
  }
}

/**
 * Keeps the file whole under a new name (a hard link, so that at every moment one of the two
 * names holds the original), then replaces the log with its good part: a fresh header when
 * the original's cannot be trusted, then the records before the damage.
 */
function moveAside(file: string, fd: number, scan: LogScan | undefined, freshHeader: boolean): LogRepair {
  const size = fs.fstatSync(fd).size;
  const movedTo = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    fs.linkSync(file, movedTo);
  } catch {
    fs.copyFileSync(file, movedTo, fs.constants.COPYFILE_EXCL);
  }
  syncDirectory(path.dirname(file));

  const keepEnd = scan?.end ?? FILE_HEADER_SIZE;
  const temp = `${file}.repairing`;
  const out = fs.openSync(temp, 'w');
  try {
    fs.writeSync(out, fileHeader(), 0, FILE_HEADER_SIZE, 0);
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    for (let at = FILE_HEADER_SIZE; at < keepEnd; ) {
      const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, keepEnd - at), at);
      if (n === 0) throw new Error(`${file} shrank while being repaired`);
      fs.writeSync(out, chunk, 0, n, at);
      at += n;
    }
    fs.fsyncSync(out);
  } finally {
    fs.closeSync(out);
  }
  fs.renameSync(temp, file);
  syncDirectory(path.dirname(file));

  const header = freshHeader ? 'with a new file header, ' : '';
  const kept = scan ? keptSummary(scan) : 'no event (the file is not a Spillway log)';
  let cut = `${size - keepEnd} bytes cut from offset ${keepEnd}`;
  const damage = scan?.damage;
  if (damage?.kind === 'corrupt') {
    const after = damage.after;
    cut += ` (damage at ${damage.offset}: ${damage.reason}; ${after.complete ? '' : 'at least '}${after.events} events in ${after.records} readable records after it)`;
  } else if (damage?.kind === 'torn') {
    cut += ` (a torn tail at ${damage.offset})`;
  }
  return {
    action: 'moved-aside',
    movedTo,
    message: `${file}: moved aside whole to ${movedTo}; the log now keeps, ${header}${kept}; ${cut}`,
  };
}
