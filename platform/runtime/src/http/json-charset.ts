import type { RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from './route-handler';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/**
 * JSON is UTF-8 (RFC 8259 §8.1). body-parser decodes any `utf-*` charset it is told, so a body labelled
 * `charset=utf-16` was read as UTF-16 and usually failed as malformed JSON (400): the client's mistake is
 * the label, which is a 415. Without a charset the body is UTF-8.
 */
export const requireUtf8Json: RequestHandler = (req, _res, next) => {
  if (!req.is(['application/json', 'application/*+json'])) return next();
  const charset = CHARSET.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
  if (charset === undefined || charset === 'utf-8') return next();
  next(new UnsupportedMediaTypeError(`JSON bodies must be UTF-8 (RFC 8259); got charset=${charset.slice(0, 40)}`));
};
