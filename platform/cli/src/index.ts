export type { Command } from './command';
export { main } from './main';
export { parseFlags } from './parse-flags';
export { UsageError } from './usage-error';
