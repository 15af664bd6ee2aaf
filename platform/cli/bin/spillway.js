#!/usr/bin/env node
// The bin is plain JavaScript so that `npx spillway` works straight after `npm ci`.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
// An image carries the compiled JavaScript (Dockerfile.template puts it in src/); a checkout runs
// the TypeScript source through tsx's CommonJS loader, with no build step.
const compiled = existsSync(join(__dirname, '..', 'src', 'main.js'));
if (!compiled) require('tsx/cjs');
const { main } = require(compiled ? '../src/main.js' : '../src/main.ts');

// Every command resolves only when its work is over (long-running ones after SIGINT/SIGTERM
// and their own clean-up), so the process exits then: a client that still holds a socket to a
// server that never answered must not keep it alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(typeof code === 'number' ? code : 0),
  (err) => {
    process.stderr.write(`spillway: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
