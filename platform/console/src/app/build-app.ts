import { join } from 'node:path';
import { build, stop } from 'esbuild';

/** One file the console serves. */
export interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
}

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spillway console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/main.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/console/assets/main.js"></script>
</body>
</html>
`;

/**
 * Bundles the single-page app (Preact, uPlot, its CSS) with esbuild, in memory, when the console
 * starts: nothing is fetched from a CDN, nothing built has to be committed, and a fresh clone's
 * `npm start` and `npm test` serve the current sources. Takes well under a second.
 */
export async function buildApp(): Promise<Map<string, Asset>> {
  const result = await build({
    entryPoints: [join(__dirname, 'main.tsx')],
    bundle: true,
    write: false,
    outdir: '/assets',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'silent',
  });
  // esbuild keeps a service process for further builds; the console builds once, and a live child would keep Node running.
  await stop();
  const assets = new Map<string, Asset>([['/', { contentType: 'text/html; charset=utf-8', body: Buffer.from(INDEX_HTML) }]]);
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const contentType = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    assets.set(`/assets/${name}`, { contentType, body: Buffer.from(file.contents) });
  }
  return assets;
}
