/**
 * Client-supplied regular expressions (`$all` read and subscription filters, `$all`
 * persistent-subscription filters) run in time linear in the input: RE2 semantics through
 * re2js (pure JavaScript, no native build). A backtracking engine let `^(a+)+$` against a
 * 28-character stream name stall every other call for seconds. What RE2 cannot run
 * (lookaround, backreferences) is refused where the filter is given, with the reason.
 */
import { RE2JS } from 're2js';

/** Distinct values remembered per filter: stream names and event types repeat, matching them again is wasted work. */
const MEMO_CAPACITY = 4096;

/** `^` followed by plain characters (or escaped punctuation): a prefix test, no engine needed. */
const ANCHORED_LITERAL = /^\^((?:[^\\.[\]{}()*+?|^$]|\\[^a-zA-Z0-9])*)$/;

export class UnsupportedRegexError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(
      `'${pattern}' cannot be evaluated in linear time: ${reason} (filter regexes run with RE2 syntax: no lookaround, no backreferences)`,
    );
    this.name = 'UnsupportedRegexError';
  }
}

/** Compiles `pattern`; the result tells whether it matches anywhere in a value. Throws UnsupportedRegexError. */
export function compileLinearRegex(pattern: string): (value: string) => boolean {
  const literal = ANCHORED_LITERAL.exec(pattern);
  if (literal) {
    const prefix = literal[1]!.replace(/\\(.)/g, '$1');
    return (value) => value.startsWith(prefix);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    throw new UnsupportedRegexError(pattern, error instanceof Error ? error.message : String(error));
  }
  const memo = new Map<string, boolean>();
  return (value) => {
    const known = memo.get(value);
    if (known !== undefined) return known;
    const result = compiled.test(value);
    if (memo.size >= MEMO_CAPACITY) memo.clear();
    memo.set(value, result);
    return result;
  };
}
