#!/usr/bin/env node
// `npm run bench <name>`: runs one benchmark (or all, with no name) through tsx.
// Each benchmark prints a table and ends with one line per figure.

const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { existsSync } = require('node:fs');

const benches = {
  emulator: [
    'platform/emulator/bench/emulator.bench.ts',
    'platform/emulator/bench/persistent.bench.ts',
    'platform/emulator/bench/projections.bench.ts',
    'platform/emulator/bench/memory.bench.ts',
    'platform/emulator/bench/latency.bench.ts',
  ],
  runtime: ['platform/runtime/bench/runtime.bench.ts'],
  autoscale: ['platform/autoscaler/bench/autoscale.bench.ts'],
  rebuild: ['functions/order-projector/bench/rebuild.bench.ts'],
  'group-commit': ['functions/order-projector/bench/group-commit.bench.ts'],
  shop: ['platform/cli/bench/shop.bench.ts'],
  cli: ['platform/cli/bench/cli.bench.ts'],
};

const [name, ...rest] = process.argv.slice(2);
if (name !== undefined && !Object.hasOwn(benches, name)) {
  process.stderr.write(`bench: unknown benchmark '${name}' (known: ${Object.keys(benches).join(', ')})\n`);
  process.exit(2);
}
const chosen = name === undefined ? Object.keys(benches) : [name];
let failed = 0;
for (const bench of chosen) {
  for (const relative of benches[bench]) {
    const file = join(__dirname, '..', relative);
    if (!existsSync(file)) {
      process.stderr.write(`bench: ${bench}: missing ${relative}\n`);
      failed++;
      continue;
    }
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', file, ...rest], { stdio: 'inherit' });
    if (run.status !== 0) failed++;
  }
}
process.exit(failed === 0 ? 0 : 1);
