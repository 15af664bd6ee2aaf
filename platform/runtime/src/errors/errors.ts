/**
 * Typed errors a handler or route throws; the HTTP layer maps each to RFC 9457
 * problem+json, the subscription runner to ack / retry / park.
 */
export abstract class SpillwayError extends Error {
  abstract readonly status: number;
  /** Stable UPPER_SNAKE code clients can switch on. */
  abstract readonly code: string;
}

export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** 400: the input is malformed. `problems` names each bad field. */
export class ValidationError extends SpillwayError {
  override readonly name = 'ValidationError';
  readonly status = 400;
  readonly code = 'VALIDATION_FAILED';
  constructor(
    message: string,
    readonly problems: readonly FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** 404: the addressed thing does not exist. */
export class NotFoundError extends SpillwayError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly code = 'NOT_FOUND';
}

/** 409: the state changed under us (wrong expected revision) or the request conflicts with it. */
export class ConcurrencyError extends SpillwayError {
  override readonly name = 'ConcurrencyError';
  readonly status = 409;
  constructor(
    message: string,
    readonly code: string = 'CONCURRENCY_CONFLICT',
  ) {
    super(message);
  }
}

/** 422: the command is well-formed but breaks a business rule. */
export class BusinessRuleError extends SpillwayError {
  override readonly name = 'BusinessRuleError';
  readonly status = 422;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Thrown by an event handler when retrying cannot help (the event can never be applied):
 * the runner parks the event at once with this message instead of retrying.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}
