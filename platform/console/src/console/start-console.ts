import type { EventStoreDBClient } from '@eventstore/db-client';
import express from 'express';
import { consoleApi } from '../api/console-api';
import { type ConsoleFunction, FunctionSampler } from '../api/function-sampler';
import { LiveFeed } from '../api/live-feed';
import { buildApp } from '../app/build-app';
import type { Gateway } from '../gateway/start-gateway';

export interface ConsoleOptions {
  readonly gateway: Gateway;
  readonly client: EventStoreDBClient;
  readonly functions: readonly ConsoleFunction[];
  /** Replaying parked messages from the console (default true); a read-only console answers 403. */
  readonly allowReplay?: boolean;
  readonly sampleIntervalMs?: number;
}

export interface RunningConsole {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the console at `/console` on the gateway: the single-page app and its JSON/SSE API under `/console/api`. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const assets = await buildApp();
  const sampler = new FunctionSampler({
    client: options.client,
    functions: options.functions,
    tracker: options.gateway.tracker,
    routes: options.gateway.routes.routes(),
    ...(options.sampleIntervalMs ? { intervalMs: options.sampleIntervalMs } : {}),
  });
  const live = new LiveFeed(options.client, sampler);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/console/api', consoleApi({ client: options.client, sampler, live, allowReplay: options.allowReplay ?? true }));
  app.get(['/console', '/console/', '/console/assets/:file'], (req, res) => {
    const key = req.path === '/console' || req.path === '/console/' ? '/' : req.path.slice('/console'.length);
    const asset = assets.get(key);
    if (!asset) {
      res.status(404).type('text/plain').send('not found');
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.type(asset.contentType).send(asset.body);
  });
  sampler.start();
  options.gateway.mount('/console', app);
  return {
    url: `${options.gateway.url}/console`,
    async close() {
      await live.close();
      await sampler.stop();
    },
  };
}
