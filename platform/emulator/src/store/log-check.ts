/**
 * What a log file is, in the words the emulator prints: a clean log, a torn tail to drop, or
 * damage that stops start-up until `spillway log repair` moves the file aside.
 */
import * as fs from 'node:fs';
import { checkFileHeader, FILE_HEADER_SIZE, type FileHeaderCheck } from './log-format';
import { type LogScan, scanRecords } from './log-scan';
import type { RecordedEvent } from './store';

export const LOG_FILE = 'events.spwlog';

export type LogCheck =
  | { readonly kind: 'scanned'; readonly scan: LogScan }
  /** Shorter than a file header and the start of one: a crash while the file was being created. */
  | { readonly kind: 'partial'; readonly file: string; readonly size: number }
  | {
      readonly kind: 'unreadable';
      readonly file: string;
      readonly size: number;
      readonly header: Exclude<FileHeaderCheck, { kind: 'ok' | 'partial' }>;
      readonly start: Buffer;
    };

/** Refused start-up: the message says what is wrong, where, and what to run. */
export class LogDamagedError extends Error {
  constructor(
    message: string,
    readonly check: LogCheck,
  ) {
    super(message);
    this.name = 'LogDamagedError';
  }
}

/** Checks the file header, then every record; `onRecord` gets the good records in order. */
export function checkLog(file: string, fd: number, onRecord?: (events: RecordedEvent[], end: number) => void): LogCheck {
  const size = fs.fstatSync(fd).size;
  const start = Buffer.alloc(Math.min(size, FILE_HEADER_SIZE));
  fs.readSync(fd, start, 0, start.length, 0);
  const header = checkFileHeader(start);
  if (header.kind === 'partial') return { kind: 'partial', file, size };
  if (header.kind !== 'ok') return { kind: 'unreadable', file, size, header, start };
  return { kind: 'scanned', scan: scanRecords(file, fd, onRecord) };
}

const plural = (n: number, one: string) => `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : 's'}`;

/** "kept ..." half of a report: what is before `scan.end`. */
export function keptSummary(scan: LogScan): string {
  const last = scan.lastPosition === undefined ? 'no event' : `the last at $all position ${scan.lastPosition}`;
  return `${plural(scan.events, 'event')} in ${plural(scan.records, 'record')} before offset ${scan.end} (${last})`;
}

/** One line for a torn tail that start-up (or repair) dropped. */
export function tornTailReport(scan: LogScan, savedTo: string): string {
  const damage = scan.damage;
  if (damage?.kind !== 'torn') throw new Error('tornTailReport: no torn tail');
  const events = damage.entries === undefined ? 'its event count unreadable' : `a write of ${plural(damage.entries, 'event')}`;
  return (
    `${scan.file}: dropped a torn tail of ${plural(damage.bytes, 'byte')} at offset ${damage.offset} ` +
    `(the last write before a crash, never acknowledged: ${events}); kept ${keptSummary(scan)}; ` +
    `the dropped bytes are saved in ${savedTo}`
  );
}

/** What refuses start-up, and what to do about it. */
export function damageReport(check: LogCheck, dataDir: string): string {
  const repair = `run \`spillway log repair --data-dir ${dataDir}\` (or \`spillway emulator --repair\`)`;
  if (check.kind === 'partial') return `${check.file}: ${check.size} bytes, shorter than a file header`;
  if (check.kind === 'unreadable') {
    switch (check.header.kind) {
      case 'foreign':
        return (
          `${check.file} is not a Spillway event log (${check.size} bytes starting with ${check.start.toString('hex') || 'nothing'}); ` +
          `the emulator does not start on it. Move it away, or ${repair} to move it aside and start an empty log.`
        );
      case 'version':
        return (
          `${check.file} is a format-${check.header.version} Spillway log (record headers without checksums); this ` +
          `emulator reads format 2 only and does not start on it. Keep the file elsewhere and start with an empty data folder.`
        );
      case 'damaged':
        return (
          `${check.file}: its 16-byte file header is damaged (checksum mismatch); the emulator does not start on it. ` +
          `${repair}: it moves the file aside and keeps every record that checks out.`
        );
      default:
        return assertNever(check.header);
    }
  }
  const { scan } = check;
  const damage = scan.damage;
  if (damage?.kind !== 'corrupt') throw new Error('damageReport: the log is not damaged');
  const after = damage.after;
  const hidden =
    after.records === 0
      ? 'no readable record after it'
      : `${after.complete ? '' : 'at least '}${plural(after.events, 'event')} in ${plural(after.records, 'readable record')} after it`;
  return (
    `${scan.file} is damaged at byte offset ${damage.offset} (${damage.reason}): $all positions ${damage.offset} to ` +
    `${scan.size} (${plural(damage.bytes, 'byte')}, ${hidden}) cannot be trusted. Before the damage: ${keptSummary(scan)}. ` +
    `The emulator does not start on a damaged log; ${repair} to move the file aside (it is never deleted) ` +
    'and keep everything before the damage.'
  );
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
