#!/usr/bin/env node
// The bin is plain JavaScript so that `npx spillway` works straight after `npm ci`:
// it registers tsx's CommonJS loader and runs the TypeScript source, no build step.
'use strict';
require('tsx/cjs');
const { main } = require('../src/main.ts');

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
