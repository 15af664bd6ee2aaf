import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_CHART, REPO_ROOT, removeScratchDir, scratchDir, UMBRELLA_CHART } from './test-kit/helm';

afterAll(removeScratchDir);

// The pinned devDependency's entry point: the same command `npm run charts:readme` runs.
const GENERATOR = join(REPO_ROOT, 'node_modules', '@bitnami', 'readme-generator-for-helm', 'bin', 'index.js');

describe('the values tables in the charts’ READMEs are generated from values.yaml', () => {
  test.each([UMBRELLA_CHART, FUNCTION_CHART])('%s/README.md is up to date (run `npm run charts:readme` when not)', (chart) => {
    const readme = join(mkdtempSync(join(scratchDir(), 'readme-')), 'README.md');
    copyFileSync(join(chart, 'README.md'), readme);
    const run = spawnSync(process.execPath, [GENERATOR, '--values', join(chart, 'values.yaml'), '--readme', readme], { encoding: 'utf8' });
    // The generator refuses values without `## @param` metadata, and metadata for values that do not exist.
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run.status).toBe(0);
    expect(readFileSync(readme, 'utf8')).toBe(readFileSync(join(chart, 'README.md'), 'utf8'));
  });

  test('a value without its @param comment fails the generator', () => {
    const dir = mkdtempSync(join(scratchDir(), 'undocumented-'));
    const values = join(dir, 'values.yaml');
    const readme = join(dir, 'README.md');
    copyFileSync(join(FUNCTION_CHART, 'README.md'), readme);
    copyFileSync(join(FUNCTION_CHART, 'values.yaml'), values);
    appendFileSync(values, '\nundocumentedValue: 1\n');
    const run = spawnSync(process.execPath, [GENERATOR, '--values', values, '--readme', readme], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('Missing metadata for key: undocumentedValue');
  });
});
