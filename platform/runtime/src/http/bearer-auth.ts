import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { PROBLEM_CONTENT_TYPE, problem } from './problem';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Accepts `Authorization: Bearer <token>` for one of `tokens`. Tokens are compared as SHA-256
 * digests with timingSafeEqual, so the comparison time says nothing about how much matched.
 */
export function bearerAuth(tokens: readonly string[]): RequestHandler {
  const accepted = tokens.map(digest);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const presented = match ? digest(match[1]!) : undefined;
    if (presented && accepted.some((token) => timingSafeEqual(token, presented))) return next();
    res
      .status(401)
      .setHeader('WWW-Authenticate', match ? 'Bearer error="invalid_token"' : 'Bearer')
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem(401, 'UNAUTHORIZED', match ? 'the bearer token is not valid' : 'a bearer token is required')));
  };
}
