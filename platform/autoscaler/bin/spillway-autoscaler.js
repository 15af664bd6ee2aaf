#!/usr/bin/env node
// `spillway-autoscaler [flags]`: the autoscaler alone, as its image runs it (the same command as
// `spillway autoscaler`, without the CLI's other commands and their packages).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
// An image carries the compiled JavaScript (Dockerfile.template puts it in src/); a checkout runs
// the TypeScript source through tsx's CommonJS loader, with no build step.
const compiled = existsSync(join(__dirname, '..', 'src', 'app', 'command.js'));
if (!compiled) require('tsx/cjs');
const { runAutoscalerCommand, AutoscalerUsageError } = require(compiled ? '../src/app/command.js' : '../src/app/command.ts');
runAutoscalerCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`spillway-autoscaler: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof AutoscalerUsageError ? 2 : 1);
  },
);
