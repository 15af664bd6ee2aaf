import { useEffect, useState } from 'preact/hooks';
import { API, type EventView, getJson, postJson, type QuarantinedView } from '../api';
import { JsonView } from '../json-view';

interface Info {
  eventSource: string;
  groupName: string;
  status: string;
  settings: Record<string, unknown>;
  stats: Record<string, unknown>;
  connections: Record<string, unknown>[];
}

interface Parked {
  parkedRevision: string;
  parkedAt: string;
  reason?: string;
  event?: EventView;
  target: string;
}

function ParkedList({ info, allowReplay }: { info: Info; allowReplay: boolean }) {
  const [parked, setParked] = useState<Parked[] | null>(null);
  const [message, setMessage] = useState('');
  const query = `?stream=${encodeURIComponent(info.eventSource)}`;
  const load = () =>
    getJson<{ parked: Parked[] }>(`${API}/parked/${encodeURIComponent(info.groupName)}${query}`).then(
      (r) => setParked(r.parked),
      (err: Error) => setMessage(err.message),
    );
  useEffect(() => {
    void load();
  }, [info.groupName, info.eventSource]);
  const replay = async () => {
    try {
      await postJson(`${API}/parked/${encodeURIComponent(info.groupName)}/replay${query}`);
      setMessage('replay requested: parked messages go back to the consumers');
      setTimeout(() => void load(), 1_000);
    } catch (err) {
      setMessage((err as Error).message);
    }
  };
  return (
    <div class="parked" data-testid={`parked-${info.groupName}`}>
      <h3>
        parked messages{' '}
        <button type="button" onClick={() => void load()}>
          refresh
        </button>{' '}
        {allowReplay ? (
          <button type="button" data-testid="replay" onClick={() => void replay()} disabled={!parked || parked.length === 0}>
            Replay parked
          </button>
        ) : (
          <span class="muted">read-only: no replay here</span>
        )}
      </h3>
      {message && (
        <p class="muted" data-testid="replay-message">
          {message}
        </p>
      )}
      {parked && parked.length === 0 && (
        <p class="muted" data-testid="no-parked">
          none
        </p>
      )}
      {parked && parked.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>type</th>
              <th>stream</th>
              <th>reason</th>
              <th>parked at</th>
            </tr>
          </thead>
          <tbody>
            {parked.map((p) => (
              <tr key={p.parkedRevision} data-testid="parked-row">
                <td>{p.event?.type ?? '(deleted)'}</td>
                <td>{p.event ? `${p.event.stream}@${p.event.revision}` : p.target}</td>
                <td>{p.reason ?? ''}</td>
                <td>{new Date(p.parkedAt).toLocaleTimeString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The invalid events folds skip (the runtime's quarantine stream), newest first; they stay in their streams. */
function QuarantineList({ tick }: { tick: number }) {
  const [quarantine, setQuarantine] = useState<{ total: number; quarantined: QuarantinedView[] } | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    getJson<{ total: number; quarantined: QuarantinedView[] }>(`${API}/quarantine?limit=50`).then(setQuarantine, (err: Error) =>
      setError(err.message),
    );
  }, [tick]);
  return (
    <section class="card wide" data-testid="quarantine">
      <header>
        <h2>quarantined events</h2>
        <span class="badge">{quarantine ? quarantine.total : '…'}</span>
      </header>
      <p class="muted">Events of a known type that fail their schema: folds skip them; they stay in their streams until corrected.</p>
      {error && <p class="error">{error}</p>}
      {quarantine && quarantine.quarantined.length === 0 && (
        <p class="muted" data-testid="no-quarantined">
          none
        </p>
      )}
      {quarantine && quarantine.quarantined.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>type</th>
              <th>event</th>
              <th>found by</th>
              <th>reason</th>
              <th>when</th>
            </tr>
          </thead>
          <tbody>
            {quarantine.quarantined.map((q) => (
              <tr key={q.revision} data-testid="quarantined-row">
                <td>{q.type}</td>
                <td>
                  {q.stream}@{q.streamRevision}
                </td>
                <td>{q.fn}</td>
                <td>{q.reason}</td>
                <td>{new Date(q.quarantinedAt).toLocaleTimeString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Every persistent subscription group with its GetInfo fields and parked messages (with Replay), and the quarantine. */
export function SubscriptionsPage({ tick, allowReplay }: { tick: number; allowReplay: boolean }) {
  const [infos, setInfos] = useState<Info[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    getJson<{ subscriptions: Info[] }>(`${API}/subscriptions`).then(
      (r) => setInfos(r.subscriptions),
      (err: Error) => setError(err.message),
    );
  }, [tick]);
  return (
    <div>
      {error && <p class="error">{error}</p>}
      <QuarantineList tick={tick} />
      {infos.map((info) => (
        <section class="card wide" key={`${info.eventSource}::${info.groupName}`} data-testid={`subscription-${info.groupName}`}>
          <header>
            <h2>
              {info.eventSource}::{info.groupName}
            </h2>
            <span class="badge">{info.status}</span>
          </header>
          <div class="columns">
            <div>
              <h3>stats</h3>
              <JsonView value={info.stats} />
            </div>
            <div>
              <h3>settings</h3>
              <JsonView value={info.settings} />
            </div>
            <div>
              <h3>connections ({info.connections.length})</h3>
              <JsonView value={info.connections} />
            </div>
          </div>
          <ParkedList info={info} allowReplay={allowReplay} />
        </section>
      ))}
    </div>
  );
}
