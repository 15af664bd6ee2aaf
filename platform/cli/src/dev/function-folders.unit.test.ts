import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../usage-error';
import { functionFolders, repositoryRoot } from './function-folders';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'spillway-folders-'));
  mkdirSync(join(root, 'functions'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

const definition = (name: string) => `module.exports = { default: { name: '${name}', routes: [] } };`;

describe('the functions spillway dev finds', () => {
  test('every folder whose module default-exports a definition, in name order; libraries are passed over', () => {
    write('functions/zebra/src/index.js', definition('zebra'));
    write('functions/alpha/package.json', JSON.stringify({ main: 'lib/main.js' }));
    write('functions/alpha/lib/main.js', definition('alpha'));
    write('functions/contracts/src/index.js', 'module.exports = { Sku: {}, OrderCreated: {} };');
    mkdirSync(join(root, 'functions', 'empty'));
    const found = functionFolders(root);
    expect(found.functions.map((fn) => [fn.name, fn.folder])).toEqual([
      ['alpha', join(root, 'functions', 'alpha')],
      ['zebra', join(root, 'functions', 'zebra')],
    ]);
    expect(found.skipped).toEqual(['functions/contracts', 'functions/empty']);
  });

  test('a module that fails to load stops dev, naming its folder, rather than a function silently missing', () => {
    write('functions/broken/src/index.js', "require('no-such-package-anywhere');");
    expect(() => functionFolders(root)).toThrow(
      /^functions\/broken could not be loaded \(npm install\?\): Cannot find module 'no-such-package-anywhere'/,
    );
  });

  test('two folders defining the same name are refused: they would share a port and a group', () => {
    write('functions/one/src/index.js', definition('same'));
    write('functions/two/src/index.js', definition('same'));
    expect(() => functionFolders(root)).toThrow("functions/one and functions/two both define a function named 'same'");
  });

  test('the repository is the nearest folder upwards with functions/, or --dir', () => {
    mkdirSync(join(root, 'platform', 'cli'), { recursive: true });
    expect(repositoryRoot(undefined, join(root, 'platform', 'cli'))).toBe(root);
    expect(repositoryRoot('.', root)).toBe(root);
    expect(() => repositoryRoot('platform', root)).toThrow(UsageError);
  });
});
