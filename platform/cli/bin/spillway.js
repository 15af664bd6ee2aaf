#!/usr/bin/env node
// The bin is plain JavaScript so that `npx spillway` works straight after `npm ci`:
// it registers tsx's CommonJS loader and runs the TypeScript source, no build step.
'use strict';
require('tsx/cjs');
const { main } = require('../src/main.ts');
main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`spillway: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
