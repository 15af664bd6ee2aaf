import pino, { type DestinationStream, type Logger } from 'pino';
import type { RuntimeConfig } from '../config';

/**
 * Standard output, written synchronously. pino's default asynchronous destination flushes on exit
 * in a loop that retries a failed write every 100 ms for ever: once the reader of a pipe has gone
 * (`spillway-function … | tee log` after Ctrl-C killed tee, or `spillway dev` killed), the process
 * never exited. Synchronous writes fail at once with EPIPE, which pino's destination turns into
 * "stop logging" — the reader is gone, so there is no one left to read the lines.
 */
function standardOutput(): DestinationStream {
  return pino.destination({ dest: 1, sync: true });
}

/** The one pino logger of a function process; children add `group`, `stream`, `eventId`, `correlationId`. */
export function createLogger(fn: string, level: RuntimeConfig['logLevel'], destination?: DestinationStream): Logger {
  const options = { level, base: { fn }, timestamp: pino.stdTimeFunctions.isoTime };
  return pino(options, destination ?? standardOutput());
}
