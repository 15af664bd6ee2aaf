import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openFileStore } from './file-store';
import { LOG_FILE, LogDamagedError } from './log-check';
import { FILE_HEADER_SIZE, RECORD_PREFIX_SIZE } from './log-format';
import { repairLog, verifyLog } from './log-repair';
import type { RecordedEvent } from './store';

// One log written once; every case damages a copy of it and reopens the copy.
const RECORDS = 60;
let template: string;
/** Offset of each record, then the file size: record i spans [bounds[i], bounds[i + 1]). */
let bounds: number[];
let written: RecordedEvent[];
const dirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-damage-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  template = tempDir();
  const { store } = await openFileStore(template);
  for (let i = 0; i < RECORDS; i++) {
    // Two events per record, bodies of varied size so records straddle 4 KiB pages.
    const data = Buffer.from(JSON.stringify({ i, pad: 'x'.repeat((i * 37) % 300) }));
    await store.append(`s-${i % 3}`, { kind: 'any' }, [
      { id: randomUUID(), type: 'Numbered', contentType: 'application/json', data, metadata: Buffer.from('{}') },
      { id: randomUUID(), type: 'Numbered', contentType: 'application/json', data, metadata: Buffer.from('{}') },
    ]);
  }
  // A small last record keeps the every-length torn-tail case quick.
  await store.append('last', { kind: 'any' }, [
    { id: randomUUID(), type: 'L', contentType: 'application/json', data: Buffer.from('{}'), metadata: Buffer.from('') },
  ]);
  written = [...store.readAll(0n, 'forwards', 1000n)];
  await store.close();
  // Each record's first event sits RECORD_PREFIX_SIZE + 5 bytes after the record's start.
  bounds = [...written.filter((_, i) => i % 2 === 0).map((e) => Number(e.position) - RECORD_PREFIX_SIZE - 5)];
  bounds.push(fs.statSync(path.join(template, LOG_FILE)).size);
  expect(bounds[0]).toBe(FILE_HEADER_SIZE);
});

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of the template log, changed by `damage`. */
function damagedCopy(damage: (bytes: Buffer) => Buffer): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, LOG_FILE), damage(fs.readFileSync(path.join(template, LOG_FILE))));
  return dir;
}

const flipBit =
  (at: number, bit = 0) =>
  (bytes: Buffer) => {
    const copy = Buffer.from(bytes);
    copy[at]! ^= 1 << bit;
    return copy;
  };

const zeroed = (from: number, length: number) => (bytes: Buffer) => {
  const copy = Buffer.from(bytes);
  copy.fill(0, from, Math.min(bytes.length, from + length));
  return copy;
};

async function readAllBack(dir: string, write = true): Promise<{ events: readonly RecordedEvent[]; warnings: string[] }> {
  const warnings: string[] = [];
  const { store } = await openFileStore(dir, { warn: (m) => warnings.push(m) });
  const events = store.readAll(0n, 'forwards', 1000n);
  // Still writable after recovery.
  if (write) {
    await store.append('after', { kind: 'any' }, [
      { id: randomUUID(), type: 'Later', contentType: 'application/json', data: Buffer.from('{}'), metadata: Buffer.from('') },
    ]);
  }
  await store.close();
  return { events, warnings };
}

const eventsBefore = (offset: number) => written.filter((e) => e.position < BigInt(offset));

describe('a torn tail is dropped, reported and saved aside', () => {
  test('every length of a cut-short last record, 1 byte up to the whole record', async () => {
    const lastStart = bounds.at(-2)!;
    const size = bounds.at(-1)!;
    const recordSize = size - lastStart;
    // Start-up (which syncs what it changes: slow on a busy disk) at the edges of the header
    // and body; verify, which reads the same way and changes nothing, at every length.
    const opened = new Set([1, 2, RECORD_PREFIX_SIZE - 1, RECORD_PREFIX_SIZE, RECORD_PREFIX_SIZE + 5, recordSize - 1]);
    for (let kept = 1; kept < recordSize; kept++) {
      const dir = damagedCopy((bytes) => bytes.subarray(0, lastStart + kept));
      const verdict = verifyLog(dir);
      expect(verdict.starts).toBe(true);
      expect(verdict.message).toContain(`a torn tail of ${kept} bytes at offset ${lastStart}`);
      if (!opened.has(kept)) continue;
      const { events, warnings } = await readAllBack(dir, kept === 1);
      expect(events).toEqual(written.slice(0, -1));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`dropped a torn tail of ${kept} byte${kept === 1 ? '' : 's'} at offset ${lastStart}`);
      expect(warnings[0]).toContain(`${RECORDS * 2} events in ${RECORDS} records`);
      expect(warnings[0]).toContain(`the last at $all position ${written.at(-2)!.position}`);
      // The entry count is in the body's first bytes: known once those made it to disk.
      if (kept >= RECORD_PREFIX_SIZE + 5) expect(warnings[0]).toContain('a write of 1 event)');
      const saved = /saved in (.+)$/.exec(warnings[0]!)![1]!;
      expect(fs.readFileSync(saved)).toEqual(fs.readFileSync(path.join(template, LOG_FILE)).subarray(lastStart, lastStart + kept));
    }
    // The whole record there: nothing torn, nothing said.
    expect(
      await readAllBack(
        damagedCopy((bytes) => bytes),
        false,
      ),
    ).toEqual({ events: written, warnings: [] });
  });

  test('a file cut inside its 16-byte header starts as a new log, said so', async () => {
    const dir = damagedCopy((bytes) => bytes.subarray(0, 9));
    const { events, warnings } = await readAllBack(dir);
    expect(events).toEqual([]);
    expect(warnings[0]).toMatch(/9 bytes, the start of a file header/);
  });
});

interface DamageCase {
  readonly name: string;
  readonly damage: (bytes: Buffer) => Buffer;
  /** Offset of the first record the damage reaches. */
  readonly at: () => number;
  readonly reason: RegExp;
}

const middle = RECORDS / 2;
const damageCases: DamageCase[] = [
  {
    name: 'a bit of the first record header (length)',
    damage: (b) => flipBit(bounds[0]!, 3)(b),
    at: () => bounds[0]!,
    reason: /header checksum/,
  },
  {
    name: 'a bit of a middle record header (length, high byte)',
    damage: (b) => flipBit(bounds[middle]! + 3, 6)(b),
    at: () => bounds[middle]!,
    reason: /header checksum/,
  },
  {
    name: 'a bit of a middle record header (body checksum)',
    damage: (b) => flipBit(bounds[middle]! + 5)(b),
    at: () => bounds[middle]!,
    reason: /header checksum/,
  },
  {
    name: 'a bit of a middle record header (header checksum)',
    damage: (b) => flipBit(bounds[middle]! + 9)(b),
    at: () => bounds[middle]!,
    reason: /header checksum/,
  },
  { name: 'a bit of the first record body', damage: (b) => flipBit(bounds[0]! + 40)(b), at: () => bounds[0]!, reason: /body checksum/ },
  {
    name: 'a bit of a middle record body',
    damage: (b) => flipBit(bounds[middle]! + 60, 7)(b),
    at: () => bounds[middle]!,
    reason: /body checksum/,
  },
  {
    name: 'a bit of the last record body',
    damage: (b) => flipBit(bounds.at(-1)! - 1)(b),
    at: () => bounds.at(-2)!,
    reason: /body checksum/,
  },
  {
    name: 'a zeroed 4 KiB page in the middle',
    damage: (b) => zeroed(8192, 4096)(b),
    at: () => bounds.filter((o) => o <= 8192).at(-1)!,
    reason: /checksum/,
  },
  {
    name: 'the last 4 KiB zeroed',
    damage: (b) => zeroed(b.length - 4096, 4096)(b),
    at: () => bounds.filter((o) => o <= bounds.at(-1)! - 4096).at(-1)!,
    reason: /checksum/,
  },
];

describe('damage before the tail stops start-up; repair keeps everything before it', () => {
  test.each(damageCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dir = damagedCopy(c.damage);
    const file = path.join(dir, LOG_FILE);
    const original = fs.readFileSync(file);
    const at = c.at();

    const refused = openFileStore(dir);
    await expect(refused).rejects.toThrow(LogDamagedError);
    const message = await refused.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message).toContain(file);
    expect(message).toContain(`damaged at byte offset ${at}`);
    expect(message).toMatch(c.reason);
    expect(message).toContain(`$all positions ${at} to ${original.length}`);
    expect(message).toContain(`${eventsBefore(at).length.toLocaleString('en-US')} event`);
    expect(message).toContain('spillway log repair');
    // Nothing was changed by the refusal.
    expect(fs.readFileSync(file)).toEqual(original);
    expect(verifyLog(dir).starts).toBe(false);

    const repair = repairLog(dir);
    expect(repair.action).toBe('moved-aside');
    expect(fs.readFileSync(repair.movedTo!)).toEqual(original);
    expect(repair.message).toContain(`${original.length - at} bytes cut from offset ${at}`);
    expect(verifyLog(dir)).toMatchObject({ starts: true });
    const { events, warnings } = await readAllBack(dir);
    expect(warnings).toEqual([]);
    expect(events).toEqual(eventsBefore(at));
  });

  test('what the damage hides is counted: a body flip in a middle record leaves every later record readable', async () => {
    const dir = damagedCopy(flipBit(bounds[middle]! + 60));
    const message = await openFileStore(dir).then(
      () => '',
      (error: Error) => error.message,
    );
    const after = RECORDS - middle - 1;
    // The two-event records after the damaged one, and the small last record.
    expect(message).toContain(`${after * 2 + 1} events in ${after + 1} readable records after it`);
  });

  test('a flipped bit in the 16-byte file header: refused, and repair keeps every record', async () => {
    const dir = damagedCopy(flipBit(10, 2));
    await expect(openFileStore(dir)).rejects.toThrow(/file header is damaged/);
    expect(repairLog(dir).action).toBe('moved-aside');
    expect((await readAllBack(dir)).events).toEqual(written);
  });
});

describe('a file that is not a Spillway log of this format', () => {
  test.each([
    ['a PNG image', Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(200, 7)])],
    ['a text file', Buffer.from('order-1,3,SKU-0042\norder-2,1,SKU-0007\n')],
    ['a SQLite database', Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4080)])],
  ])('%s is refused; repair moves it aside whole and starts an empty log', async (_name, content) => {
    const dir = tempDir();
    const file = path.join(dir, LOG_FILE);
    fs.writeFileSync(file, content);
    await expect(openFileStore(dir)).rejects.toThrow(`${file} is not a Spillway event log`);
    expect(fs.readFileSync(file)).toEqual(content);
    const repair = repairLog(dir);
    expect(fs.readFileSync(repair.movedTo!)).toEqual(content);
    expect((await readAllBack(dir)).events).toEqual([]);
  });

  test('a format-1 log (no header checksums) is refused by start and by repair, and left as it is', async () => {
    const dir = tempDir();
    const file = path.join(dir, LOG_FILE);
    const v1 = Buffer.concat([Buffer.from('SPILLWAY', 'latin1'), Buffer.from('0100000000000000', 'hex'), Buffer.alloc(40, 1)]);
    fs.writeFileSync(file, v1);
    await expect(openFileStore(dir)).rejects.toThrow(/format-1 Spillway log .* reads format 2 only/);
    expect(() => repairLog(dir)).toThrow(/format-1/);
    expect(fs.readFileSync(file)).toEqual(v1);
    expect(fs.readdirSync(dir).sort()).toEqual([LOG_FILE]);
  });
});
