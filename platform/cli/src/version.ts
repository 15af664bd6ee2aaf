import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version in the CLI's package.json, read once. */
export const version: string = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
