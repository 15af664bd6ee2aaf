import { UsageError } from './usage-error';

// Digits only: Number() alone would take '', ' ', '1e3', '0x10' and '1.0' as numbers.
const DIGITS = /^\d{1,15}$/;

/** A flag's value as a whole number, or undefined when it is not one. */
export function wholeNumber(value: string): number | undefined {
  return DIGITS.test(value) ? Number(value) : undefined;
}

/** A TCP port flag (0 picks a free port). */
export function portFlag(command: string, flag: string, value: string): number {
  const port = wholeNumber(value);
  if (port === undefined || port > 65_535) throw new UsageError(`${command}: ${flag} must be a port number (0-65535), got '${value}'`);
  return port;
}

/** A flag whose value names something (a group, a stream, a namespace): blank is a mistake, not a default. */
export function nameFlag(command: string, flag: string, value: string): string {
  if (value.trim() === '' || value.trim() !== value) {
    throw new UsageError(`${command}: ${flag} must be a non-empty name without surrounding spaces, got '${value}'`);
  }
  return value;
}

/** The server's `--run-projections` levels. */
export const RUN_PROJECTIONS = ['none', 'system', 'all'] as const;
export type RunProjections = (typeof RUN_PROJECTIONS)[number];

/** A `--run-projections` flag, in any case, as the server takes it. */
export function runProjectionsFlag(command: string, value: string): RunProjections {
  const level = value.toLowerCase();
  if (!(RUN_PROJECTIONS as readonly string[]).includes(level)) {
    throw new UsageError(`${command}: --run-projections must be one of ${RUN_PROJECTIONS.join(', ')}, got '${value}'`);
  }
  return level as RunProjections;
}
