import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type EventSchemas, type FunctionDefinition, findFunction } from '@spillway/runtime';
import { UsageError } from '../usage-error';

/** A folder under `functions/` whose module default-exports a definition: what `spillway dev` runs. */
export interface DevFunction {
  /** The definition's name: labels, ports, groups and metrics go by it, as in the cluster. */
  readonly name: string;
  readonly folder: string;
  readonly definition: FunctionDefinition<EventSchemas, unknown>;
}

/** What a repository's `functions/` holds: the functions, and the folders passed over (libraries such as contracts). */
export interface FunctionFolders {
  readonly functions: readonly DevFunction[];
  readonly skipped: readonly string[];
}

/**
 * The repository `spillway dev` runs: `dir` when given, else the nearest folder from `cwd` upwards that
 * has a `functions/` folder (so `npx spillway dev` works from a subfolder as `npm start` does from the root).
 */
export function repositoryRoot(dir: string | undefined, cwd: string = process.cwd()): string {
  if (dir !== undefined) {
    const root = resolve(cwd, dir);
    if (!statSync(join(root, 'functions'), { throwIfNoEntry: false })?.isDirectory()) {
      throw new UsageError(`dev: --dir ${dir} has no functions/ folder`);
    }
    return root;
  }
  for (let at = resolve(cwd); ; at = dirname(at)) {
    if (statSync(join(at, 'functions'), { throwIfNoEntry: false })?.isDirectory()) return at;
    if (dirname(at) === at)
      throw new UsageError(`dev: no functions/ folder in ${cwd} or above it; run it in the repository, or pass --dir`);
  }
}

/**
 * Finds the functions under `<root>/functions` by loading each folder's module, as `spillway-function`
 * will: a folder counts when its module default-exports a definition, whatever its package.json says, so
 * nothing has to be declared twice and a folder dev starts is one the function process can run. A module
 * that fails to load stops dev before anything starts (rather than a function silently missing), and two
 * folders defining the same name would share ports and a group, so that is refused too.
 */
export function functionFolders(root: string): FunctionFolders {
  const base = join(root, 'functions');
  const functions: DevFunction[] = [];
  const skipped: string[] = [];
  const folders = readdirSync(base, { withFileTypes: true })
    .filter((entry) => (entry.isDirectory() || entry.isSymbolicLink()) && !entry.name.startsWith('.'))
    .map((entry) => join(base, entry.name))
    .filter((folder) => statSync(folder).isDirectory())
    .sort();
  for (const folder of folders) {
    const shown = relative(root, folder);
    let definition: FunctionDefinition<EventSchemas, unknown> | undefined;
    try {
      definition = findFunction(folder);
    } catch (err) {
      const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
      const missing = code === 'MODULE_NOT_FOUND' ? ' (npm install?)' : '';
      // The first line: a require stack below it names dev's own files, not the user's.
      const first = (typeof message === 'string' ? message : String(err)).split('\n')[0];
      throw new Error(`${shown} could not be loaded${missing}: ${first}`, { cause: err });
    }
    if (definition === undefined) {
      skipped.push(shown);
      continue;
    }
    const twin = functions.find((fn) => fn.name === definition.name);
    if (twin) throw new Error(`${relative(root, twin.folder)} and ${shown} both define a function named '${definition.name}'`);
    functions.push({ name: definition.name, folder, definition });
  }
  return { functions, skipped };
}
