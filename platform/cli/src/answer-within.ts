import { wholeNumber } from './flag-values';
import { UsageError } from './usage-error';

/**
 * How long a one-shot command (`status`, `parked`) waits for EventStoreDB. The client's first
 * call has no deadline of its own, so a server that accepts the connection but never answers
 * would otherwise hang the command for ever.
 */
export const DEFAULT_ANSWER_SECONDS = 15;

/** Reads a `--timeout <seconds>` flag: a whole number of seconds, at least 1. */
export function timeoutFlag(command: string, value: string | undefined): number {
  if (value === undefined) return DEFAULT_ANSWER_SECONDS;
  const seconds = wholeNumber(value);
  if (seconds === undefined || seconds < 1)
    throw new UsageError(`${command}: --timeout must be a whole number of seconds (at least 1), got '${value}'`);
  return seconds;
}

/** Resolves as `work` does, or rejects naming `what` once `seconds` have passed without an answer. */
export async function answerWithin<T>(seconds: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${seconds} s`)), seconds * 1000);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
