// Bundles the console's single-page app (src/app: Preact, uPlot, its CSS) into app-bundle/, which the
// console serves as it is. Run by `npm run build` (the root's and this workspace's) and by `prepare`,
// so `npm ci` leaves a fresh clone ready for `npm start` and `npm test`, and by the root's `pretest`
// and `prestart`, so both see the current sources. esbuild, Preact and uPlot are development
// dependencies: no production closure (a function image, the autoscaler's) carries them.
const { copyFileSync, mkdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, 'app-bundle');

function esbuild() {
  try {
    return require('esbuild');
  } catch {
    return undefined;
  }
}

async function main() {
  const bundler = esbuild();
  if (!bundler) {
    // `npm ci --omit=dev` runs `prepare` too: such an install serves a bundle built elsewhere (an image's build stage).
    process.stdout.write('@spillway/console: esbuild is not installed (a production install); the app is not bundled\n');
    return;
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await bundler.build({
    entryPoints: [join(root, 'src', 'app', 'main.tsx')],
    bundle: true,
    outdir: out,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'src', 'app', 'index.html'), join(out, 'index.html'));
}

main().catch((err) => {
  process.stderr.write(`@spillway/console: bundling the app failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
