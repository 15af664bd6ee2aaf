import type { EventStoreDBClient } from '@eventstore/db-client';
import { PersistentSubscriptionDoesNotExistError } from '@eventstore/db-client';
import express, { type ErrorRequestHandler, type Request, type Router } from 'express';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, problem } from '../gateway/problem';
import type { ConsoleFunction } from './console-function';
import { findCorrelation, NoSuchStreamError, readAllNewest, readStreamPage } from './event-queries';
import type { FunctionSampler } from './function-sampler';
import { jsonSafe } from './json-safe';
import type { LiveFeed } from './live-feed';
import { AmbiguousGroupError, findGroup, listParked, NoSuchGroupError, replayParked } from './parked';
import { listQuarantine } from './quarantine';
import { fetchReadModel } from './read-models';

// A page a browser shows at once; more is a `from=` away.
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 500;

class BadRequestError extends Error {
  constructor(
    message: string,
    readonly errors: readonly { path: string; message: string }[],
  ) {
    super(message);
  }
}

class ForbiddenError extends Error {}

/** A stream, group or correlation id: what EventStoreDB accepts as a name, without control characters. */
const Name = z
  .string()
  .min(1)
  .max(1_000)
  .refine((name) => ![...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'must not contain control characters');
const Limit = z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT);
const Revision = z.string().regex(/^\d{1,19}$/, 'must be a stream revision (a whole number)');

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new BadRequestError(`the request ${where} is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
}

const query = (req: Request) => req.query as Record<string, unknown>;

/** What the page adapts to: a read-only console has no Replay button, one without a gateway no Try it. */
export interface ConsoleAbout {
  /** Who serves it: `spillway dev`, or `autoscaler` in a cluster. */
  readonly host: string;
  readonly allowReplay: boolean;
  /** A gateway in front of the functions serves the merged `/openapi.json` that Try it sends requests through. */
  readonly gateway: boolean;
}

export interface ConsoleApiOptions {
  readonly client: EventStoreDBClient;
  readonly functions: () => readonly ConsoleFunction[];
  readonly sampler: FunctionSampler;
  readonly live: LiveFeed;
  /** Replaying parked messages changes what consumers receive; a read-only console refuses it. */
  readonly allowReplay: boolean;
  readonly about: ConsoleAbout;
}

async function readModelsOf(functions: readonly ConsoleFunction[]): Promise<Record<string, unknown>[]> {
  const answers = await Promise.all(
    functions
      .filter((fn) => fn.readModel || fn.readModelFromGroups)
      .map(async (fn): Promise<Record<string, unknown> | undefined> => {
        const replica = fn.replicas?.().find((r) => r.ready);
        if (!replica && fn.readModelFromGroups) {
          // A host that does not call pods: the summary of the groups it measures, or nothing while no build shows a read model.
          const summary = fn.readModelFromGroups();
          return summary ? { function: fn.name, summary } : undefined;
        }
        if (!replica) return { function: fn.name, error: 'no ready replica to ask' };
        try {
          return { function: fn.name, replica: replica.url, status: await fetchReadModel(replica.url) };
        } catch (err) {
          return { function: fn.name, replica: replica.url, error: (err as Error).message };
        }
      }),
  );
  return answers.filter((answer) => answer !== undefined);
}

/**
 * The console's JSON API (also for scripts): functions, read models, subscriptions, parked messages and
 * quarantined events, streams, correlations, live SSE.
 */
export function consoleApi(options: ConsoleApiOptions): Router {
  const { client, sampler } = options;
  const api = express.Router();

  api.get('/about', (_req, res) => {
    res.json(options.about);
  });

  api.get('/functions', async (_req, res) => {
    res.json({ functions: await sampler.current() });
  });

  // Each projector's full `GET /read-model` (serving version, builds with progress, generations), asked now;
  // in a cluster, each read model's `summary` from the groups the autoscaler measures.
  api.get('/read-models', async (_req, res) => {
    res.json({ readModels: await readModelsOf(options.functions()) });
  });

  api.get('/subscriptions', async (_req, res) => {
    const infos = await client.listAllPersistentSubscriptions();
    res.json({
      subscriptions: jsonSafe(infos.sort((a, b) => `${a.eventSource}::${a.groupName}`.localeCompare(`${b.eventSource}::${b.groupName}`))),
    });
  });

  api.get('/parked/:group', async (req, res) => {
    const group = parse(Name, req.params['group'], 'path.group');
    const { stream, limit } = parse(z.object({ stream: Name.optional(), limit: Limit }), query(req), 'query');
    const info = await findGroup(client, group, stream);
    res.json({ group, source: info.eventSource, parked: await listParked(client, info.eventSource, group, limit) });
  });

  api.get('/quarantine', async (req, res) => {
    const { limit } = parse(z.object({ limit: Limit }), query(req), 'query');
    res.json(await listQuarantine(client, limit));
  });

  api.post('/parked/:group/replay', async (req, res) => {
    if (!options.allowReplay) throw new ForbiddenError('this console is read-only: replaying parked messages is turned off');
    const group = parse(Name, req.params['group'], 'path.group');
    const { stream } = parse(z.object({ stream: Name.optional() }), query(req), 'query');
    const info = await findGroup(client, group, stream);
    await replayParked(client, info.eventSource, group);
    res.status(202).json({ group, source: info.eventSource, replaying: true });
  });

  api.get('/streams/:stream', async (req, res) => {
    const stream = parse(Name, req.params['stream'], 'path.stream');
    const { from, limit } = parse(z.object({ from: Revision.optional(), limit: Limit }), query(req), 'query');
    res.json(await readStreamPage(client, stream, BigInt(from ?? '0'), limit));
  });

  api.get('/all', async (req, res) => {
    const { limit } = parse(z.object({ limit: Limit }), query(req), 'query');
    res.json(await readAllNewest(client, limit));
  });

  api.get('/correlation/:correlationId', async (req, res) => {
    const correlationId = parse(Name, req.params['correlationId'], 'path.correlationId');
    res.json(await findCorrelation(client, correlationId));
  });

  api.get('/live', async (_req, res) => {
    options.live.open(res, await sampler.current());
  });

  api.use((req, res) => {
    res
      .status(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem(404, 'NO_SUCH_ROUTE', `the console API has no ${req.method} ${req.path}`)));
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const body =
      err instanceof BadRequestError
        ? { ...problem(400, 'BAD_REQUEST', err.message), errors: err.errors }
        : err instanceof ForbiddenError
          ? problem(403, 'READ_ONLY', err.message)
          : err instanceof NoSuchStreamError
            ? problem(404, 'NO_SUCH_STREAM', err.message)
            : err instanceof NoSuchGroupError || err instanceof PersistentSubscriptionDoesNotExistError
              ? problem(404, 'NO_SUCH_GROUP', (err as Error).message)
              : err instanceof AmbiguousGroupError
                ? problem(400, 'AMBIGUOUS_GROUP', err.message)
                : problem(502, 'EVENT_STORE_FAILED', `the event store did not answer: ${(err as Error).message}`);
    res
      .status(body.status as number)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(body));
  };
  api.use(onError);
  return api;
}
