import type { EventStoreDBClient } from '@eventstore/db-client';
import type { ConsoleFunction } from '../api/console-function';
import type { Gateway } from '../gateway/start-gateway';
import { createConsoleApp } from './console-app';

export interface ConsoleOptions {
  readonly gateway: Gateway;
  readonly client: EventStoreDBClient;
  /** The functions behind the gateway; their replicas come from the gateway's tracker. */
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
  const { gateway } = options;
  const functions = options.functions.map((fn): ConsoleFunction => ({ ...fn, replicas: () => gateway.tracker.replicas(fn.name) }));
  const app = await createConsoleApp({
    client: options.client,
    functions: () => functions,
    routes: gateway.routes.routes(),
    allowReplay: options.allowReplay ?? true,
    host: 'spillway dev',
    ...(options.sampleIntervalMs ? { sampleIntervalMs: options.sampleIntervalMs } : {}),
  });
  gateway.mount('/console', app.handle);
  return { url: `${gateway.url}/console`, close: () => app.close() };
}
