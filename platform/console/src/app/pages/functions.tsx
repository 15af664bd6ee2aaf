import type { FunctionView } from '../api';
import { LagChart } from '../lag-chart';

const fmt = (value: number | null | undefined, digits = 1) => (value === null || value === undefined ? '–' : value.toFixed(digits));

function FunctionCard({ fn }: { fn: FunctionView }) {
  const sub = fn.subscription;
  return (
    <section class="card" data-testid={`function-${fn.name}`}>
      <header>
        <h2>{fn.name}</h2>
        <span class={`badge ${fn.ready ? 'ok' : 'bad'}`} data-testid="ready">
          {fn.ready ? 'ready' : 'not ready'}
        </span>
      </header>
      <dl class="figures">
        <dt>replicas</dt>
        <dd data-testid="replicas">
          {fn.readyReplicas} ready / {fn.replicas.length}
          {fn.scaling ? ` (${fn.scaling.minReplicas}–${fn.scaling.maxReplicas})` : ''}
        </dd>
        {sub && (
          <>
            <dt>group</dt>
            <dd>
              {sub.source}::{sub.group} {sub.status ? `(${sub.status})` : ''}
            </dd>
            <dt>lag</dt>
            <dd data-testid="lag">
              {sub.lag ?? '–'}
              {sub.capped ? '+' : ''}
            </dd>
            <dt>parked</dt>
            <dd data-testid="parked">{sub.parked ?? '–'}</dd>
            <dt>events/s</dt>
            <dd>{fmt(fn.eventsPerSecond)}</dd>
            <dt>handler p99</dt>
            <dd>{fn.handlerP99Seconds === null ? '–' : `≤ ${Math.round(fn.handlerP99Seconds * 1000)} ms`}</dd>
          </>
        )}
        <dt>routes</dt>
        <dd>
          {fn.routes.map((r) => (
            <code key={`${r.method} ${r.path}`} class="route">
              {r.method} {r.path}
            </code>
          ))}
        </dd>
      </dl>
      {fn.scaling?.latest && (
        <p class="decision" data-testid="decision">
          autoscaler: {fn.scaling.latest.reason}
          {fn.scaling.lastChange && (
            <span class="muted">
              {' '}
              — last change {fn.scaling.lastChange.from} → {fn.scaling.lastChange.to} at{' '}
              {new Date(fn.scaling.lastChange.at).toLocaleTimeString()}
            </span>
          )}
        </p>
      )}
      {sub && <LagChart history={fn.history} />}
    </section>
  );
}

/** Every function: replicas, readiness, lag, throughput, p99, parked, the autoscaler's reasoning, a live chart. */
export function FunctionsPage({ functions }: { functions: FunctionView[] }) {
  if (functions.length === 0) return <p class="muted">waiting for the first sample…</p>;
  return (
    <div class="cards">
      {functions.map((fn) => (
        <FunctionCard key={fn.name} fn={fn} />
      ))}
    </div>
  );
}
