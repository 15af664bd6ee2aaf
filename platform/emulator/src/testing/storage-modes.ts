import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EmulatorOptions } from '../server/start-emulator';

/** Where a test's emulator keeps its events, and how to remove it afterwards. */
export interface TestStorage {
  readonly options: Pick<EmulatorOptions, 'memory' | 'dataDir'>;
  remove(): void;
}

/**
 * The two storages every behaviour is tested on (`describe.each(STORAGE_MODES)`): a fresh
 * in-memory node, and a fresh durable log in a folder of its own.
 */
export const STORAGE_MODES: readonly (readonly [name: string, storage: () => TestStorage])[] = [
  ['memory', () => ({ options: { memory: true }, remove: () => {} })],
  [
    'durable',
    () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-mode-'));
      return { options: { dataDir }, remove: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
    },
  ],
];
