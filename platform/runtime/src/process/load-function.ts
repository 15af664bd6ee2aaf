import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EventSchemas, FunctionDefinition } from '../contract/define-function';

// Where a function folder's module is, in order, when its package.json names no `main`.
const ENTRY_CANDIDATES = ['src/index.ts', 'index.ts', 'src/index.js', 'index.js'];

function entryIn(folder: string): string | undefined {
  const manifest = join(folder, 'package.json');
  if (existsSync(manifest)) {
    const main = (JSON.parse(readFileSync(manifest, 'utf8')) as { main?: unknown }).main;
    if (typeof main === 'string' && existsSync(join(folder, main))) return join(folder, main);
  }
  return ENTRY_CANDIDATES.map((candidate) => join(folder, candidate)).find((path) => existsSync(path));
}

function entryOf(folder: string): string {
  const found = entryIn(folder);
  if (!found) throw new Error(`no function module in '${folder}' (looked for package.json main, ${ENTRY_CANDIDATES.join(', ')})`);
  return found;
}

function definitionIn(entry: string): unknown {
  const loaded = require(entry) as { default?: unknown };
  return loaded.default ?? loaded;
}

function isDefinition(value: unknown): value is FunctionDefinition<EventSchemas, unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

/** Loads the function a folder or module path default-exports (the container image passes `functions/<name>`). */
export function loadFunction(target: string, cwd: string = process.cwd()): FunctionDefinition<EventSchemas, unknown> {
  const path = resolve(cwd, target);
  if (!existsSync(path)) throw new Error(`no such function folder or module: '${target}'`);
  const entry = statSync(path).isDirectory() ? entryOf(path) : path;
  const definition = definitionIn(entry);
  if (!isDefinition(definition)) throw new Error(`'${entry}' does not default-export defineFunction({...})`);
  return definition;
}

/**
 * The function a folder default-exports, judged as `loadFunction` judges it; undefined when the folder
 * holds no module or its module exports no definition (a library, such as shared contracts). A module
 * that fails to load is an error, not a folder to pass over.
 */
export function findFunction(folder: string): FunctionDefinition<EventSchemas, unknown> | undefined {
  const entry = entryIn(folder);
  if (entry === undefined) return undefined;
  const definition = definitionIn(entry);
  return isDefinition(definition) ? definition : undefined;
}
