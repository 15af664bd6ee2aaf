import { join } from 'node:path';

/**
 * PGlite's CommonJS bundle loads Node built-ins with dynamic `import()`, which Jest's module
 * sandbox refuses unless the bundle goes through the SWC transform (root jest.config.js:
 * `.cjs` in `transform`, `@electric-sql/pglite` in the transformed packages). Tests that run
 * PGlite inside the Jest process use this to say so instead of failing; real processes
 * (the function under tsx) load PGlite without it.
 */
export function pgliteRunsInJest(): boolean {
  // biome-ignore lint/suspicious/noExplicitAny: reading the root Jest config as plain data.
  const config = require(join(__dirname, '..', '..', '..', '..', 'jest.config.js')) as any;
  return JSON.stringify(config.transformIgnorePatterns ?? []).includes('@electric-sql/pglite');
}

/** The read-model backends a test should cover here: PostgreSQL always, PGlite when Jest can load it. */
export function databaseKinds(): ('postgres' | 'pglite')[] {
  return pgliteRunsInJest() ? ['postgres', 'pglite'] : ['postgres'];
}
