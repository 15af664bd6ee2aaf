import { compileLinearRegex, UnsupportedRegexError } from './linear-regex';

describe('compileLinearRegex', () => {
  const cases: [string, string, string, boolean][] = [
    ['an anchored literal (the prefix path)', '^order-', 'order-1', true],
    ['an anchored literal that does not match', '^order-', 'xorder-1', false],
    ['an escaped $ in an anchored literal', '^\\$ce-', '$ce-order', true],
    ['a dot is not a literal', '^a.c', 'abc', true],
    ['an unanchored pattern matches anywhere', 'stock', 'inventory-stock-1', true],
    ['alternation', '^(order|inventory)-', 'inventory-9', true],
    ['case-insensitive flag', '(?i)ORDER', 'order-1', true],
    ['nested quantifiers against a long non-match', '^(a+)+$', `${'a'.repeat(10_000)}b`, false],
    ['nested quantifiers against a match', '^(a+)+$', 'a'.repeat(10_000), true],
  ];
  test.each(cases)('%s', (_name, pattern, value, expected) => {
    const matches = compileLinearRegex(pattern);
    expect(matches(value)).toBe(expected);
    // The remembered answer is the same answer.
    expect(matches(value)).toBe(expected);
  });

  test('a name of 65,535 bytes against ^(a+)+$ and (a|aa)*c finishes (a backtracking engine would not in the life of the machine)', () => {
    const name = `${'a'.repeat(65_534)}b`;
    expect(compileLinearRegex('^(a+)+$')(name)).toBe(false);
    expect(compileLinearRegex('(a|aa)*c')(name)).toBe(false);
  });

  test.each([
    ['a lookahead', '^(?=order)'],
    ['a negative lookahead', '^(?!\\$)'],
    ['a lookbehind', '(?<=a)b'],
    ['a backreference', '(a)\\1'],
    ['an unclosed group', '(unclosed'],
  ])('%s is refused with the reason', (_name, pattern) => {
    expect(() => compileLinearRegex(pattern)).toThrow(UnsupportedRegexError);
    expect(() => compileLinearRegex(pattern)).toThrow(`'${pattern}' cannot be evaluated in linear time: `);
  });
});
