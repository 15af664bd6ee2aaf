import { WrongExpectedVersionError } from '@eventstore/db-client';
import { type FieldProblem, SpillwayError } from '../errors/errors';

/** An RFC 9457 problem details document. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly code: string;
  readonly errors?: readonly FieldProblem[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Builds a problem; `type` is a stable URI per code so clients can tell problems apart. */
export function problem(status: number, code: string, detail?: string, errors?: readonly FieldProblem[]): Problem {
  return {
    type: `https://spillway.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail === undefined ? {} : { detail }),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/**
 * An error express raised about the request itself, before any route ran: body-parser's errors
 * (malformed JSON, too large, bad charset or Content-Encoding) carry a 4xx `status` and a `type`,
 * or http-errors' `expose` (the message is safe to send); the router marks a path that is not
 * valid percent-encoding with a URIError of status 400.
 */
interface RequestError {
  readonly status: number;
  readonly message: string;
  readonly type?: unknown;
  readonly expose?: unknown;
}

function isRequestError(err: unknown): err is RequestError {
  if (typeof err !== 'object' || err === null) return false;
  const status = (err as RequestError).status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return false;
  const { expose, type } = err as RequestError;
  return expose === true || typeof type === 'string' || err instanceof URIError;
}

/**
 * Maps anything a route can throw to a problem. Typed errors keep their message; anything else
 * is a 500 whose detail stays generic (internals are logged, not sent to clients).
 */
export function toProblem(err: unknown): Problem {
  if (err instanceof SpillwayError) {
    const problems = 'problems' in err ? (err.problems as readonly FieldProblem[]) : undefined;
    return problem(err.status, err.code, err.message, problems);
  }
  if (err instanceof WrongExpectedVersionError) {
    return problem(409, 'CONCURRENCY_CONFLICT', 'the stream changed while the command was handled; retry the request');
  }
  if (isRequestError(err)) {
    if (err.type === 'entity.too.large') return problem(413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than allowed');
    if (err.type === 'entity.parse.failed') return problem(400, 'MALFORMED_JSON', 'the request body is not valid JSON');
    if (err instanceof URIError) return problem(400, 'MALFORMED_URL', 'the request path is not valid percent-encoding');
    return problem(err.status, 'BAD_REQUEST_BODY', err.message);
  }
  return problem(500, 'INTERNAL_ERROR', 'the function failed to handle the request');
}
