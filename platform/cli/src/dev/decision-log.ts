import pino, { type Logger } from 'pino';

const WARN = 40;

interface LogRecord {
  readonly level?: number;
  readonly msg?: string;
  readonly fn?: string;
  readonly from?: unknown;
  readonly to?: unknown;
  readonly lag?: unknown;
  readonly err?: { readonly message?: string };
}

/**
 * The dev console's view of one autoscaler log line: a scaling decision becomes
 * `[autoscaler] <fn> <from> -> <to>: <reason>`, a warning or error keeps its message,
 * and anything else (per-tick debug detail) is left out.
 */
export function formatLogLine(line: string): string | undefined {
  let record: LogRecord;
  try {
    record = JSON.parse(line) as LogRecord;
  } catch {
    return undefined;
  }
  const fn = record.fn ?? 'autoscaler';
  if (typeof record.from === 'number' && typeof record.to === 'number') {
    // The first decision starts the pool: "0 -> 1: lag 0 <= activation 0: stay at 1" read as nonsense.
    if (record.from === 0) {
      const replicas = `${record.to} replica${record.to === 1 ? '' : 's'}`;
      const lag = typeof record.lag === 'number' ? ` (lag ${record.lag})` : '';
      return `[autoscaler] ${fn} 0 -> ${record.to}: starting ${replicas}${lag}\n`;
    }
    return `[autoscaler] ${fn} ${record.from} -> ${record.to}: ${record.msg}\n`;
  }
  if ((record.level ?? 0) >= WARN) return `[autoscaler] ${fn}: ${record.msg}${record.err?.message ? `: ${record.err.message}` : ''}\n`;
  return undefined;
}

/** The local autoscaler's logger in dev: human lines on `sink` (the console) instead of JSON. */
export function createDecisionLogger(sink: NodeJS.WritableStream): Logger {
  return pino(
    { level: 'info' },
    {
      write(line: string) {
        const text = formatLogLine(line);
        if (text) sink.write(text);
      },
    },
  );
}
