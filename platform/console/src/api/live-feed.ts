import type { ServerResponse } from 'node:http';
import { END, type EventStoreDBClient, excludeSystemEvents } from '@eventstore/db-client';
import { eventView, isUserEvent } from './event-view';
import type { FunctionSampler } from './function-sampler';
import { jsonSafe } from './json-safe';

// Proxies and browsers drop an SSE connection that says nothing for long; a comment line keeps it open.
const HEARTBEAT_MS = 15_000;

/**
 * Server-sent events for the console: `functions` after every sample, and `event` for each new user
 * event appended to `$all` (one `$all` subscription, shared by every open page).
 */
export class LiveFeed {
  private readonly clients = new Set<ServerResponse>();
  private subscription?: ReturnType<EventStoreDBClient['subscribeToAll']>;
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly sampler: FunctionSampler,
  ) {
    this.unsubscribe = sampler.onSample((views) => this.send('functions', views));
    this.heartbeat = setInterval(() => {
      for (const res of this.clients) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
  }

  /** Opens an SSE stream on `res`; `first` is sent at once so a page has data without waiting for a sample. */
  open(res: ServerResponse, first: unknown): void {
    this.ensureSubscribed();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(`event: functions\ndata: ${JSON.stringify(first)}\n\n`);
    this.clients.add(res);
    const release = this.sampler.watch();
    res.once('close', () => {
      this.clients.delete(res);
      release();
    });
  }

  async close(): Promise<void> {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
    await this.subscription?.unsubscribe().catch(() => undefined);
  }

  private ensureSubscribed(): void {
    if (this.subscription) return;
    const subscription = this.client.subscribeToAll({ fromPosition: END, filter: excludeSystemEvents() });
    this.subscription = subscription;
    subscription.on('data', (resolved) => {
      const view = eventView(resolved);
      if (view && isUserEvent(view)) this.send('event', view);
    });
    // A lost subscription is opened again by the next page that connects; the pages keep their functions feed.
    subscription.on('error', () => {
      if (this.subscription === subscription) this.subscription = undefined;
    });
  }

  private send(event: string, data: unknown): void {
    const line = `event: ${event}\ndata: ${JSON.stringify(jsonSafe(data))}\n\n`;
    for (const res of this.clients) res.write(line);
  }
}
