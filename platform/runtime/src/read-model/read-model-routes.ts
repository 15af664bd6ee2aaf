import { z } from 'zod';
import type { RouteDefinition } from '../contract/define-function';
import type { ReadModelManager } from './read-model-manager';

const RebuildBody = z
  .object({
    toVersion: z.number().int().positive().optional(),
    verify: z.boolean().optional(),
    acceptParked: z.boolean().optional(),
  })
  .strict();

// bigint (a target position) is not JSON: written as a decimal string.
const jsonSafe = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));

/**
 * The read model's control surface, on every replica (the state is in the shared database, so any
 * replica answers for all): `GET /read-model` (serving version, builds with progress: what
 * `spillway rebuild` and the console show), `POST /read-model/rebuild`, `POST /read-model/abort`.
 */
export function readModelRoutes<D>(manager: ReadModelManager<D>): RouteDefinition<z.ZodType, z.ZodType, D>[] {
  return [
    {
      method: 'GET',
      path: '/read-model',
      summary: 'The live read-model version, running builds with progress (replayed, lag, rate, ETA), and past generations',
      async handle() {
        return { status: 200, body: jsonSafe(await manager.status()) };
      },
    },
    {
      method: 'POST',
      path: '/read-model/rebuild',
      summary: 'Start a rebuild of the declared version beside the live one (or a verify build); acceptParked lets a running build switch',
      body: RebuildBody,
      async handle(request) {
        const generation = await manager.rebuild(request.body as z.output<typeof RebuildBody>);
        return { status: 202, body: jsonSafe(generation) };
      },
    },
    {
      method: 'POST',
      path: '/read-model/abort',
      summary: 'Abandon the running build(s); the live version is untouched',
      async handle() {
        return { status: 200, body: jsonSafe({ aborted: await manager.abort() }) };
      },
    },
  ];
}
