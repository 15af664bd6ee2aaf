/**
 * Numbers the parameters of statements that are to be sent as one (each a part of a WITH), so each part is
 * written where its values are: `sql\`... ${params.add(ids)}::text[] ...\``.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * Data-modifying parts as one statement: every part but the last in a WITH, the last as its body (PostgreSQL
 * runs every part of a WITH to completion, read or not). One statement costs PGlite a fraction of several: each
 * goes through parsing, planning and a protocol exchange of its own.
 */
export function asOneStatement(parts: readonly string[]): string {
  const body = parts[parts.length - 1];
  if (body === undefined) throw new Error('no statement to send');
  if (parts.length === 1) return body;
  return `WITH ${parts
    .slice(0, -1)
    .map((part, i) => `part${i} AS (${part})`)
    .join(', ')} ${body}`;
}
