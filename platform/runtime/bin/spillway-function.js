#!/usr/bin/env node
// `spillway-function <folder>` runs one function; plain JavaScript so it works straight after
// `npm ci`: it registers tsx's CommonJS loader and runs the TypeScript source, no build step.
'use strict';
require('tsx/cjs');
const { main } = require('../src/process/main.ts');
main(process.argv.slice(2)).then(
  // Exit explicitly: the gRPC channel and timers of a closed client must not keep a drained process alive.
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`spillway-function: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
