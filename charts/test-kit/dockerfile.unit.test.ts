import { parseCopy, parseInstructions, parseStages } from './dockerfile';
import { dockerignoreMatcher } from './dockerfile-runner';

describe('parseInstructions', () => {
  test('joins continuation lines and drops comments and blank lines', () => {
    const text = '# a comment\nARG BASE=node\n\nRUN a \\\n    # inside\n    && b\nFROM $BASE AS x\n';
    expect(parseInstructions(text)).toEqual([
      { keyword: 'ARG', args: 'BASE=node', line: 2 },
      { keyword: 'RUN', args: 'a && b', line: 4 },
      { keyword: 'FROM', args: '$BASE AS x', line: 7 },
    ]);
  });

  test('refuses a file that ends inside a continuation', () => {
    expect(() => parseInstructions('RUN a \\\n')).toThrow('ends inside a continued instruction');
  });
});

test('parseStages groups instructions under their FROM, leaving global ARGs out', () => {
  const stages = parseStages('ARG B=node\nFROM --platform=linux/amd64 node AS one\nRUN a\nFROM one\nUSER 1\n');
  expect(stages).toEqual([
    { base: 'node', name: 'one', instructions: [{ keyword: 'RUN', args: 'a', line: 3 }] },
    { base: 'one', name: undefined, instructions: [{ keyword: 'USER', args: '1', line: 5 }] },
  ]);
});

test('parseCopy separates flags, sources and destination', () => {
  expect(parseCopy('--from=deps --chown=1000 /app a b ./')).toEqual({
    flags: { from: 'deps', chown: '1000' },
    sources: ['/app', 'a', 'b'],
    destination: './',
  });
});

describe('dockerignoreMatcher', () => {
  const ignored = dockerignoreMatcher(['**/node_modules', '**/*.test.ts', '.git', '*.md']);
  test.each([
    { path: 'node_modules', ignored: true },
    { path: 'platform/runtime/node_modules', ignored: true },
    { path: 'platform/runtime/src/config.unit.test.ts', ignored: true },
    { path: 'platform/runtime/src/config.ts', ignored: false },
    { path: '.git', ignored: true },
    { path: 'README.md', ignored: true },
    { path: 'platform/runtime/README.md', ignored: false },
  ])('$path: ignored $ignored', ({ path, ignored: expected }) => {
    expect(ignored(path)).toBe(expected);
  });

  test('refuses patterns it cannot honour rather than ignore them wrongly', () => {
    expect(() => dockerignoreMatcher(['!keep.me'])).toThrow('not one the runner understands');
  });
});
