import { WrongExpectedVersionError } from '@eventstore/db-client';
import { BusinessRuleError, ConcurrencyError, NotFoundError, ValidationError } from '../errors/errors';
import { toProblem } from './problem';

describe('toProblem', () => {
  const rows: [string, unknown, number, string][] = [
    ['validation error', new ValidationError('bad input', [{ path: 'qty', message: 'too small' }]), 400, 'VALIDATION_FAILED'],
    ['not found', new NotFoundError('no order 7'), 404, 'NOT_FOUND'],
    ['concurrency error', new ConcurrencyError('stream moved'), 409, 'CONCURRENCY_CONFLICT'],
    ['business rule', new BusinessRuleError('OUT_OF_STOCK', 'only 2 left'), 422, 'OUT_OF_STOCK'],
    ['wrong expected version from the client', Object.create(WrongExpectedVersionError.prototype), 409, 'CONCURRENCY_CONFLICT'],
    ['body too large', { type: 'entity.too.large', status: 413, message: 'request entity too large' }, 413, 'PAYLOAD_TOO_LARGE'],
    ['malformed JSON', { type: 'entity.parse.failed', status: 400, message: 'Unexpected token' }, 400, 'MALFORMED_JSON'],
    [
      'bad percent-encoding in the path',
      Object.assign(new URIError("Failed to decode param '%E0'"), { status: 400 }),
      400,
      'MALFORMED_URL',
    ],
    [
      'body that does not decompress',
      Object.assign(new Error('incorrect header check'), { status: 400, expose: true }),
      400,
      'BAD_REQUEST_BODY',
    ],
    [
      'a 4xx status on an error not meant for clients',
      Object.assign(new Error('upstream said 404'), { status: 404 }),
      500,
      'INTERNAL_ERROR',
    ],
    ['anything else', new Error('db password is hunter2'), 500, 'INTERNAL_ERROR'],
  ];

  test.each(rows)('%s', (_name, err, status, code) => {
    const problem = toProblem(err);
    expect(problem.status).toBe(status);
    expect(problem.code).toBe(code);
    expect(problem.type).toBe(`https://spillway.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`);
    expect(problem.title.length).toBeGreaterThan(0);
  });

  test('validation problems carry each bad field', () => {
    expect(toProblem(new ValidationError('bad', [{ path: 'qty', message: 'too small' }])).errors).toEqual([
      { path: 'qty', message: 'too small' },
    ]);
  });

  test('an unexpected error does not leak its message', () => {
    expect(JSON.stringify(toProblem(new Error('db password is hunter2')))).not.toContain('hunter2');
  });
});
