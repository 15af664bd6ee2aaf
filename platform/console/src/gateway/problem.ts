import type { ServerResponse } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** An RFC 9457 problem, shaped like the runtime's (a stable `type` URI per `code`). */
export function problem(status: number, code: string, detail: string): Record<string, unknown> {
  return {
    type: `https://spillway.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
  };
}

/** Sends a problem, with any extra headers (Retry-After, Allow). */
export function sendProblem(res: ServerResponse, status: number, code: string, detail: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(problem(status, code, detail));
  res.writeHead(status, { ...headers, 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
