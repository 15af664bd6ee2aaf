import pino, { type DestinationStream, type Logger } from 'pino';
import type { RuntimeConfig } from '../config';

/** The one pino logger of a function process; children add `group`, `stream`, `eventId`, `correlationId`. */
export function createLogger(fn: string, level: RuntimeConfig['logLevel'], destination?: DestinationStream): Logger {
  const options = { level, base: { fn }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination ? pino(options, destination) : pino(options);
}
