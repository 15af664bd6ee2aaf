import { z } from 'zod';
import { ValidationError } from '../errors/errors';
import { pathParam } from './path-param';

const Sku = z.string().regex(/^[a-z]+$/, 'letters only');

describe('pathParam', () => {
  test('a value that fits is returned as parsed', () => {
    expect(pathParam({ sku: 'apple' }, 'sku', Sku)).toBe('apple');
  });

  test.each([
    ['does not fit', { sku: 'a b' }],
    ['is missing', {}],
  ])('a value that %s is a ValidationError naming params.<name>', (_name, params) => {
    let error: unknown;
    try {
      pathParam(params, 'sku', Sku);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([{ path: 'params.sku', message: expect.any(String) }]);
  });
});
