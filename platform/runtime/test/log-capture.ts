import { Writable } from 'node:stream';

/** A pino destination that keeps parsed log lines, for tests that assert on logs. */
export function logCapture() {
  const entries: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) entries.push(JSON.parse(line));
      done();
    },
  });
  return { stream, entries };
}
