import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Outcomes of one delivered event, as counted by `spillway_events_processed_total`. */
export type EventOutcome = 'acked' | 'retried' | 'parked' | 'unknown_type';

/** Every metric one function process exposes, in its own registry (several functions can share a test process). */
export interface RuntimeMetrics {
  readonly registry: Registry;
  readonly eventsProcessed: Counter<'outcome' | 'type'>;
  readonly handlerDuration: Histogram<'type'>;
  readonly eventsInFlight: Gauge;
  readonly eventsWaitingRetry: Gauge;
  readonly retries: Counter<'type'>;
  readonly parks: Counter<'type' | 'reason'>;
  readonly unknownTypes: Counter<'where'>;
  readonly quarantined: Counter<'type'>;
  readonly subscriptionLive: Gauge;
  readonly authDisabled: Gauge;
  readonly eventStoreInsecure: Gauge;
  readonly reconnects: Counter;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly appendDuration: Histogram<'outcome'>;
}

/**
 * Buckets of the request and append histograms, in seconds: a durable append takes about a millisecond
 * when the store keeps up, so the low end is fine enough to tell that from one queued behind others.
 */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The default labels of every series: the function, its subscription group and the pod's namespace, where known. */
export interface MetricsLabels {
  readonly group?: string;
  readonly namespace?: string;
}

export function createMetrics(fn: string, { group, namespace }: MetricsLabels = {}): RuntimeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ fn, ...(group ? { group } : {}), ...(namespace ? { namespace } : {}) });
  collectDefaultMetrics({ register: registry });
  // A function without a subscription (HTTP only) exposes no subscription series: a constant
  // `spillway_subscription_live 0` would read as a subscription that is down.
  const subscriptionRegistries = group ? [registry] : [];
  return {
    registry,
    eventsProcessed: new Counter({
      name: 'spillway_events_processed_total',
      help: 'Delivered events by outcome',
      labelNames: ['outcome', 'type'],
      registers: [registry],
    }),
    handlerDuration: new Histogram({
      name: 'spillway_handler_duration_seconds',
      help: 'Event handler duration, failures included',
      labelNames: ['type'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    eventsInFlight: new Gauge({ name: 'spillway_events_in_flight', help: 'Events being handled now', registers: subscriptionRegistries }),
    eventsWaitingRetry: new Gauge({
      name: 'spillway_events_waiting_retry',
      help: 'Events held by the runtime, waiting for their next attempt after a failure',
      registers: subscriptionRegistries,
    }),
    retries: new Counter({
      name: 'spillway_event_retries_total',
      help: 'Failed handler attempts followed by a retry (handler error or timeout)',
      labelNames: ['type'],
      registers: [registry],
    }),
    parks: new Counter({
      name: 'spillway_events_parked_total',
      help: 'Events parked by this process',
      labelNames: ['type', 'reason'],
      registers: [registry],
    }),
    unknownTypes: new Counter({
      name: 'spillway_events_unknown_type_total',
      help: 'Events skipped because the function knows no schema for their type, delivered or met in a fold',
      labelNames: ['where'],
      registers: [registry],
    }),
    quarantined: new Counter({
      name: 'spillway_events_quarantined_total',
      help: 'Invalid events of a known type found in a folded stream, recorded and skipped (once per event per process)',
      labelNames: ['type'],
      registers: [registry],
    }),
    authDisabled: new Gauge({
      name: 'spillway_auth_disabled',
      help: '1 when the routes answer without a token (AUTH=none), else 0',
      registers: [registry],
    }),
    eventStoreInsecure: new Gauge({
      name: 'spillway_eventstore_insecure',
      help: '1 when the EventStoreDB connection to a non-loopback host has TLS or certificate checks off, else 0',
      registers: [registry],
    }),
    subscriptionLive: new Gauge({
      name: 'spillway_subscription_live',
      help: '1 while the persistent subscription is confirmed, else 0',
      registers: subscriptionRegistries,
    }),
    reconnects: new Counter({
      name: 'spillway_subscription_reconnects_total',
      help: 'Times the subscription was lost and resubscribed',
      registers: subscriptionRegistries,
    }),
    httpRequests: new Counter({
      name: 'spillway_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'spillway_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    appendDuration: new Histogram({
      name: 'spillway_eventstore_append_duration_seconds',
      help: 'Appends to EventStoreDB by this process, from the call to the answer, by outcome (ok, conflict, error)',
      labelNames: ['outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}
