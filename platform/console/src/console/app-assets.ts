import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** One file the console serves. */
export interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
}

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** What to run when the bundle is missing (a checkout installed with --ignore-scripts, or built before it existed). */
export const BUILD_HINT = 'npm run build --workspace @spillway/console';

/**
 * Where the bundled app is: `app-bundle/` in the console's package, written at build time by
 * scripts/bundle-app.js. Found through the package rather than beside this file, so that the compiled
 * code in dist/ serves the same bundle.
 */
export function appBundleDir(): string {
  return join(dirname(require.resolve('@spillway/console/package.json')), 'app-bundle');
}

/** The bundled app by URL path (`/` is the page, `/assets/<file>` the rest); undefined when it has not been built. */
export async function loadAppAssets(dir: string = appBundleDir()): Promise<Map<string, Asset> | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  if (!names.includes('index.html')) return undefined;
  const assets = new Map<string, Asset>();
  for (const name of names) {
    const contentType = CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)];
    if (!contentType) continue;
    assets.set(name === 'index.html' ? '/' : `/assets/${name}`, { contentType, body: await readFile(join(dir, name)) });
  }
  return assets;
}
