import type { z } from 'zod';
import { type FieldProblem, ValidationError } from '../errors/errors';

/** Each zod issue as a field problem; a field the schema does not know is named on its own path. */
function problems(issues: readonly z.core.$ZodIssue[], where: string): FieldProblem[] {
  return issues.flatMap((issue) => {
    const path = [where, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: 'unknown field' }));
    }
    return [{ path: path.join('.'), message: issue.message }];
  });
}

/**
 * A request's body or query checked against its schema (`where` is `body` or `query`): anything
 * that does not fit is a 400 naming each bad field. Command schemas are strict, so a field a client
 * made up (or misspelt) is refused rather than silently dropped.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError(`the request ${where} is invalid`, problems(parsed.error.issues, where));
}
