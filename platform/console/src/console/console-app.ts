import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventStoreDBClient } from '@eventstore/db-client';
import express from 'express';
import { type ConsoleAbout, consoleApi } from '../api/console-api';
import type { ConsoleFunction } from '../api/console-function';
import { FunctionSampler } from '../api/function-sampler';
import { LiveFeed } from '../api/live-feed';
import type { DeclaredRoute } from '../gateway/route-table';
import { BUILD_HINT, loadAppAssets } from './app-assets';

export interface ConsoleAppOptions {
  readonly client: EventStoreDBClient;
  /** Read on every sample and API call: a cluster's functions come and go with their Deployments. */
  readonly functions: () => readonly ConsoleFunction[];
  /** The routes the gateway serves, shown with each function; none without a gateway. */
  readonly routes?: readonly DeclaredRoute[];
  /** Replaying parked messages from the console; a read-only console answers 403. */
  readonly allowReplay: boolean;
  /** Who serves it (`spillway dev`, `autoscaler`), for the page. */
  readonly host: string;
  readonly sampleIntervalMs?: number;
}

export interface ConsoleApp {
  /** Answers `/console` (the page), `/console/assets/*` and `/console/api/*`; a host routes those paths here. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/**
 * The console as a request handler, for any host: the gateway of `spillway dev` mounts it, the in-cluster
 * autoscaler serves it on its metrics port. The page is the app bundled at build time; the API answers
 * from the host's functions (their replicas, the autoscaler's ticks) and the event store.
 */
export async function createConsoleApp(options: ConsoleAppOptions): Promise<ConsoleApp> {
  const assets = await loadAppAssets();
  const sampler = new FunctionSampler({
    client: options.client,
    functions: options.functions,
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.sampleIntervalMs ? { intervalMs: options.sampleIntervalMs } : {}),
  });
  const live = new LiveFeed(options.client, sampler);
  const about: ConsoleAbout = { host: options.host, allowReplay: options.allowReplay, gateway: options.routes !== undefined };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    '/console/api',
    consoleApi({ client: options.client, functions: options.functions, sampler, live, allowReplay: options.allowReplay, about }),
  );
  app.get(['/console', '/console/', '/console/assets/:file'], (req, res) => {
    if (!assets) {
      res.status(503).type('text/plain').send(`the console app is not built: run \`${BUILD_HINT}\` (npm ci does it)\n`);
      return;
    }
    const key = req.path === '/console' || req.path === '/console/' ? '/' : req.path.slice('/console'.length);
    const asset = assets.get(key);
    if (!asset) {
      res.status(404).type('text/plain').send('not found');
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.type(asset.contentType).send(asset.body);
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found');
  });
  sampler.start();
  return {
    handle: (req, res) => app(req, res),
    async close() {
      await live.close();
      await sampler.stop();
    },
  };
}
