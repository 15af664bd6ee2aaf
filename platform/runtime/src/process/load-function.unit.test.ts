import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFunction, loadFunction } from './load-function';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spillway-load-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, text: string) {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
}

describe('loadFunction', () => {
  test('a folder without package.json main uses src/index', () => {
    write('fn/src/index.js', "module.exports = { default: { name: 'from-src' } };");
    expect(loadFunction(join(dir, 'fn')).name).toBe('from-src');
  });

  test("a folder's package.json main wins", () => {
    write('fn/package.json', JSON.stringify({ main: 'lib/entry.js' }));
    write('fn/lib/entry.js', "module.exports = { default: { name: 'from-main' } };");
    write('fn/src/index.js', "module.exports = { default: { name: 'from-src' } };");
    expect(loadFunction(join(dir, 'fn')).name).toBe('from-main');
  });

  test('a module path relative to cwd loads directly', () => {
    write('direct.js', "module.exports = { default: { name: 'direct' } };");
    expect(loadFunction('direct.js', dir).name).toBe('direct');
  });

  test('a missing path, an empty folder and a module without a definition are errors naming the problem', () => {
    expect(() => loadFunction(join(dir, 'nope'))).toThrow('no such function folder or module');
    mkdirSync(join(dir, 'empty'));
    expect(() => loadFunction(join(dir, 'empty'))).toThrow('no function module in');
    write('bad.js', 'module.exports = { default: 42 };');
    expect(() => loadFunction(join(dir, 'bad.js'))).toThrow('does not default-export defineFunction');
  });
});

describe('findFunction', () => {
  test('a folder that default-exports a definition is a function', () => {
    write('fn/src/index.js', "module.exports = { default: { name: 'found' } };");
    expect(findFunction(join(dir, 'fn'))?.name).toBe('found');
  });

  test.each([
    { name: 'an empty folder', files: {} },
    { name: 'a library with named exports only', files: { 'src/index.js': 'module.exports = { Sku: 1, parse() {} };' } },
    { name: 'a default export that is no definition', files: { 'src/index.js': 'module.exports = { default: 42 };' } },
  ])('$name is passed over', ({ files }) => {
    mkdirSync(join(dir, 'lib'));
    for (const [path, text] of Object.entries(files)) write(join('lib', path), text);
    expect(findFunction(join(dir, 'lib'))).toBeUndefined();
  });

  test('a module that fails to load is an error, not a folder to pass over', () => {
    write('broken/src/index.js', "throw new Error('typo in the handler');");
    expect(() => findFunction(join(dir, 'broken'))).toThrow('typo in the handler');
  });
});
