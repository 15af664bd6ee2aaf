#!/usr/bin/env node
// `spillway-function <folder>` runs one function; plain JavaScript so it works straight after `npm ci`.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
// An image carries the compiled JavaScript (Dockerfile.template puts it in src/); a checkout runs
// the TypeScript source through tsx's CommonJS loader, with no build step.
const compiled = existsSync(join(__dirname, '..', 'src', 'process', 'main.js'));
if (!compiled) require('tsx/cjs');
const { main } = require(compiled ? '../src/process/main.js' : '../src/process/main.ts');
main(process.argv.slice(2)).then(
  // Exit explicitly: the gRPC channel and timers of a closed client must not keep a drained process alive.
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`spillway-function: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
