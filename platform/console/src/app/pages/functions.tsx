import type { BuildView, FunctionView, ReadModelSummary } from '../api';
import { LagChart } from '../lag-chart';

const fmt = (value: number | null | undefined, digits = 1) => (value === null || value === undefined ? '–' : value.toFixed(digits));

// What a cluster's read-model view leaves out (the API's `unknown`), in words.
const UNKNOWN_TEXT: Record<string, string> = {
  serving: 'which version serves',
  declaredVersion: 'the declared version',
  'builds.state': "each build's state",
  'builds.startedAt': 'when it started',
  'builds.total': 'the size of the log at its start',
};

/** A replica says whether a build builds or verifies; a group alone does not, so the label stands by itself. */
function buildName(b: BuildView): string {
  if (b.declared) return `${b.group} (declared group)`;
  const verb = b.state === undefined ? '' : b.purpose === 'verify' ? 'verifying ' : 'building ';
  return `${verb}${b.label ?? b.group ?? '?'}${b.state === undefined && b.group ? ` (${b.group})` : ''}`;
}

function buildFigures(b: BuildView): string {
  return [
    b.replayed !== undefined ? `${b.replayed}${b.total !== undefined ? ` of ${b.total}` : ''} events` : undefined,
    b.lag !== undefined ? `lag ${b.lag}${b.capped ? '+' : ''}` : undefined,
    b.ratePerSecond !== undefined && b.ratePerSecond > 0 ? `${Math.round(b.ratePerSecond)}/s` : undefined,
    b.etaSeconds === undefined ? undefined : b.etaSeconds === 0 ? 'caught up' : `~${Math.ceil(b.etaSeconds)} s left`,
    b.parked ? `${b.parked} parked` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
}

function servingText(model: ReadModelSummary): string {
  const { serving } = model;
  if (serving) return `serving ${serving.label ?? serving.group ?? '?'}${model.measuredFrom && serving.group ? ` (${serving.group})` : ''}`;
  return model.unknown?.includes('serving') ? 'serving: not known here' : 'no version serving yet';
}

/**
 * The version serving reads, and each build with how far it is: all of it from a replica (`spillway dev`),
 * or in a cluster what the autoscaler measures of the read model's groups, saying what that leaves out.
 */
function ReadModel({ model }: { model: ReadModelSummary }) {
  return (
    <div class="read-model" data-testid="read-model">
      <h3>read model</h3>
      {model.error && <p class="error">{model.error}</p>}
      <p data-testid="read-model-serving">
        {servingText(model)}
        {model.declaredVersion !== undefined ? <span class="muted"> (declared v{model.declaredVersion})</span> : ''}
      </p>
      {model.builds.map((b) => (
        <div key={b.group ?? b.label} class="build" data-testid="read-model-build">
          <span>
            {buildName(b)}: {buildFigures(b)}
          </span>
          {b.progress !== undefined && <progress max={1} value={b.progress} />}
          {b.message && <p class="muted">{b.message}</p>}
        </div>
      ))}
      {model.measuredFrom === 'groups' && (
        <p class="muted" data-testid="read-model-unknown">
          measured by the autoscaler from the read model's groups (events: processed by each group since the server started); not known
          without asking a pod: {(model.unknown ?? []).map((field) => UNKNOWN_TEXT[field] ?? field).join(', ')}
        </p>
      )}
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
