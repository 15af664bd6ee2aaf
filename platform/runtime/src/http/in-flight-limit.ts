import type { RequestHandler } from 'express';
import { PROBLEM_CONTENT_TYPE, problem } from './problem';

/** Requests a replica works on at once unless HTTP_MAX_IN_FLIGHT says otherwise: above a burst of a few hundred clients at once, about half a second of order-create's work on one core. */
export const DEFAULT_MAX_IN_FLIGHT = 256;
// A client told to come back should not come back at once: a second lets a backlog drain.
const RETRY_AFTER_SECONDS = 1;

/**
 * Bounds the requests in progress: past `max`, a request is answered 503 with Retry-After at
 * once instead of queueing behind the others until everyone's latency is a timeout. Overload
 * then shows as a fast, retryable refusal of the excess, and the requests taken in stay fast.
 * A request leaves the count when its response is finished or its connection closes.
 */
export function inFlightLimit(max: number): RequestHandler {
  let inFlight = 0;
  const body = JSON.stringify(
    problem(503, 'OVERLOADED', `this replica is already working on ${max} requests; retry after ${RETRY_AFTER_SECONDS} s`),
  );
  return (_req, res, next) => {
    if (inFlight >= max) {
      res.status(503).setHeader('retry-after', String(RETRY_AFTER_SECONDS));
      res.type(PROBLEM_CONTENT_TYPE).send(body);
      return;
    }
    inFlight++;
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      inFlight--;
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };
}
