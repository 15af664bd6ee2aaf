import type { z } from 'zod';
import { ValidationError } from '../errors/errors';

/**
 * One path parameter checked against its schema (`pathParam(request.params, 'sku', Sku)`): a value
 * that does not fit is a 400 naming `params.<name>`, before it can reach a stream name or a query.
 */
export function pathParam<T>(params: Readonly<Record<string, string>>, name: string, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(params[name]);
  if (parsed.success) return parsed.data;
  throw new ValidationError(`the ${name} in the path is invalid`, [
    { path: `params.${name}`, message: parsed.error.issues[0]?.message ?? 'invalid' },
  ]);
}
