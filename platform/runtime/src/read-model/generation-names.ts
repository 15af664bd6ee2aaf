import type { Generation, GenerationPurpose } from './registry';

// PostgreSQL truncates identifiers at 63 bytes; the label keeps its room.
const MAX_FN_SLUG = 40;
const SUFFIXES = 'bcdefghijklmnopqrstuvwxyz';

/** The next unused label for a build of `version`: `v3`, then `v3b` ... `v3z`, `v3_27` ...; a verify build is `v3-verify1`, `v3-verify2` ... */
export function nextLabel(existing: readonly Pick<Generation, 'label'>[], version: number, purpose: GenerationPurpose): string {
  const used = new Set(existing.map((g) => g.label));
  const base = `v${version}`;
  if (purpose === 'verify') {
    for (let n = 1; ; n++) if (!used.has(`${base}-verify${n}`)) return `${base}-verify${n}`;
  }
  if (!used.has(base)) return base;
  for (const letter of SUFFIXES) if (!used.has(`${base}${letter}`)) return `${base}${letter}`;
  for (let n = SUFFIXES.length + 2; ; n++) if (!used.has(`${base}_${n}`)) return `${base}_${n}`;
}

/** The schema a generation's tables live in: `rm_<function>_<label>`, lower-case letters, digits and underscores only. */
export function schemaFor(fn: string, label: string): string {
  const slug = fn
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, MAX_FN_SLUG);
  return `rm_${slug}_${label.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;
}

/**
 * The subscription group of a generation. The first generation of a function keeps the declared group
 * (so a function that adopts read-model versions keeps its group, annotations and dashboards); every
 * later build gets `<group>-<label>`, read from the start of the log.
 */
export function groupFor(declaredGroup: string, label: string, first: boolean): string {
  return first ? declaredGroup : `${declaredGroup}-${label}`;
}
