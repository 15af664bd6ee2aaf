import type { FunctionView, ReadModelSummary } from '../api';
import { LagChart } from '../lag-chart';

const fmt = (value: number | null | undefined, digits = 1) => (value === null || value === undefined ? '–' : value.toFixed(digits));

/** The version serving reads, and each build in progress with how far it is. */
function ReadModel({ model }: { model: ReadModelSummary }) {
  return (
    <div class="read-model" data-testid="read-model">
      <h3>read model</h3>
      {model.error && <p class="error">{model.error}</p>}
      <p data-testid="read-model-serving">
        {model.serving ? `serving ${model.serving.label}` : 'no version serving yet'}
        {model.declaredVersion !== undefined ? <span class="muted"> (declared v{model.declaredVersion})</span> : ''}
      </p>
      {model.builds.map((b) => (
        <div key={b.label} class="build" data-testid="read-model-build">
          <span>
            {b.purpose === 'verify' ? 'verifying' : 'building'} {b.label}: {b.replayed}
            {b.total !== undefined ? ` of ${b.total}` : ''} events
            {b.ratePerSecond > 0 ? `, ${Math.round(b.ratePerSecond)}/s` : ''}
            {b.etaSeconds !== undefined ? `, ~${Math.ceil(b.etaSeconds)} s left` : ''}
            {b.parked > 0 ? `, ${b.parked} parked` : ''}
          </span>
          {b.progress !== undefined && <progress max={1} value={b.progress} />}
          {b.message && <p class="muted">{b.message}</p>}
        </div>
      ))}
    </div>
  );
}

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
          {fn.readyReplicas} ready / {fn.replicaCount}
          {fn.scaling ? ` (${fn.scaling.minReplicas}–${fn.scaling.maxReplicas})` : ''}
        </dd>
        {sub && (
          <>
            <dt>group</dt>
            <dd>
              {sub.source}::{sub.group}
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
      {fn.readModel && <ReadModel model={fn.readModel} />}
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
