import { z } from 'zod';

const schema = z.object({
  /** postgres://... ; unset means an embedded PGlite database in PGLITE_DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgres:// connection string')
    .optional(),
  PGLITE_DATA_DIR: z.string().min(1).default('.data/read-model'),
});

export interface ProjectorConfig {
  readonly databaseUrl?: string;
  readonly pgliteDataDir: string;
}

/** The projector's own settings, from the environment the runtime hands to `init`; names every bad variable. */
export function loadProjectorConfig(env: Readonly<Record<string, string | undefined>>): ProjectorConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return { databaseUrl: parsed.data.DATABASE_URL, pgliteDataDir: parsed.data.PGLITE_DATA_DIR };
}
