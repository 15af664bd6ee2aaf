import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appBundleDir, loadAppAssets } from './app-assets';

describe('the bundled app the console serves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-app-bundle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('is missing (undefined) until built, then served by URL path with its content type', async () => {
    expect(await loadAppAssets(join(dir, 'nothing'))).toBeUndefined();
    writeFileSync(join(dir, 'main.js'), 'export {};');
    expect(await loadAppAssets(dir)).toBeUndefined();
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'main.css'), 'body {}');
    const assets = await loadAppAssets(dir);
    expect([...(assets?.keys() ?? [])].sort()).toEqual(['/', '/assets/main.css', '/assets/main.js']);
    expect(assets?.get('/assets/main.js')?.contentType).toBe('text/javascript; charset=utf-8');
  });

  test("is the console package's app-bundle folder, which npm ci's prepare step fills", async () => {
    expect(appBundleDir()).toBe(join(__dirname, '..', '..', 'app-bundle'));
    expect((await loadAppAssets())?.has('/assets/main.js')).toBe(true);
  });
});
