import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EventSchemas, FunctionDefinition } from '../contract/define-function';

// Where a function folder's module is, in order, when its package.json names no `main`.
const ENTRY_CANDIDATES = ['src/index.ts', 'index.ts', 'src/index.js', 'index.js'];

function entryOf(folder: string): string {
  const manifest = join(folder, 'package.json');
  if (existsSync(manifest)) {
    const main = (JSON.parse(readFileSync(manifest, 'utf8')) as { main?: unknown }).main;
    if (typeof main === 'string' && existsSync(join(folder, main))) return join(folder, main);
  }
  const found = ENTRY_CANDIDATES.map((candidate) => join(folder, candidate)).find((path) => existsSync(path));
  if (!found) throw new Error(`no function module in '${folder}' (looked for package.json main, ${ENTRY_CANDIDATES.join(', ')})`);
  return found;
}

function isDefinition(value: unknown): value is FunctionDefinition<EventSchemas, unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

/** Loads the function a folder or module path default-exports (the container image passes `functions/<name>`). */
export function loadFunction(target: string, cwd: string = process.cwd()): FunctionDefinition<EventSchemas, unknown> {
  const path = resolve(cwd, target);
  if (!existsSync(path)) throw new Error(`no such function folder or module: '${target}'`);
  const entry = statSync(path).isDirectory() ? entryOf(path) : path;
  const loaded = require(entry) as { default?: unknown };
  const definition = loaded.default ?? loaded;
  if (!isDefinition(definition)) throw new Error(`'${entry}' does not default-export defineFunction({...})`);
  return definition;
}
