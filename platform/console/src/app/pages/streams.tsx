import { useEffect, useState } from 'preact/hooks';
import { API, type EventView, getJson } from '../api';
import { JsonView } from '../json-view';

const ALL_LIMIT = 50;
const PAGE = 20;

interface Correlation {
  correlationId: string;
  events: EventView[];
  streams: string[];
  scanned: number;
  complete: boolean;
}

function EventRow({ event, onPick, showStream }: { event: EventView; onPick: (e: EventView) => void; showStream: boolean }) {
  return (
    <tr class="clickable" data-testid="event-row" data-stream={event.stream} data-type={event.type} onClick={() => onPick(event)}>
      <td>{new Date(event.created).toLocaleTimeString()}</td>
      {showStream && <td>{event.stream}</td>}
      <td>{event.revision}</td>
      <td>{event.type}</td>
    </tr>
  );
}

function EventTable({ events, onPick, showStream }: { events: EventView[]; onPick: (e: EventView) => void; showStream: boolean }) {
  return (
    <table>
      <thead>
        <tr>
          <th>time</th>
          {showStream && <th>stream</th>}
          <th>rev</th>
          <th>type</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <EventRow key={`${e.stream}@${e.revision}`} event={e} onPick={onPick} showStream={showStream} />
        ))}
      </tbody>
    </table>
  );
}

function Timeline({ correlation, onPick }: { correlation: Correlation; onPick: (e: EventView) => void }) {
  return (
    <section class="card wide" data-testid="timeline">
      <h3>
        correlation {correlation.correlationId}: {correlation.events.length} events across {correlation.streams.length} streams
        {correlation.complete ? '' : ` (searched the newest ${correlation.scanned} events)`}
      </h3>
      <ol class="timeline">
        {correlation.events.map((e) => (
          <li key={`${e.stream}@${e.revision}`} data-testid="timeline-event">
            <button type="button" class="link" onClick={() => onPick(e)}>
              <span class="time">{new Date(e.created).toLocaleTimeString()}</span> <strong>{e.type}</strong> in <code>{e.stream}</code>@
              {e.revision}
            </button>
            {e.causationId && <span class="muted"> caused by {e.causationId}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The tail of `$all` (live), any stream paged, one event's data and metadata, and its correlation timeline. */
export function StreamsPage({ live }: { live: EventView[] }) {
  const [tail, setTail] = useState<EventView[]>([]);
  const [streamName, setStreamName] = useState('');
  const [page, setPage] = useState<{ stream: string; events: EventView[]; from: string; next?: string } | null>(null);
  const [picked, setPicked] = useState<EventView | null>(null);
  const [correlation, setCorrelation] = useState<Correlation | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    getJson<{ events: EventView[] }>(`${API}/all?limit=${ALL_LIMIT}`).then(
      (r) => setTail(r.events),
      (err: Error) => setError(err.message),
    );
  }, []);
  const seen = new Set(tail.map((e) => `${e.stream}@${e.revision}`));
  const merged = [...live.filter((e) => !seen.has(`${e.stream}@${e.revision}`)), ...tail].slice(0, ALL_LIMIT);

  const open = async (stream: string, from = '0') => {
    setError('');
    try {
      const r = await getJson<{ stream: string; events: EventView[]; next?: string }>(
        `${API}/streams/${encodeURIComponent(stream)}?from=${from}&limit=${PAGE}`,
      );
      setPage({ ...r, from });
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const showCorrelation = async (id: string) => {
    try {
      setCorrelation(await getJson<Correlation>(`${API}/correlation/${encodeURIComponent(id)}`));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <div class="streams">
      {error && <p class="error">{error}</p>}
      <div class="columns">
        <section class="card">
          <h2>$all, newest first (live)</h2>
          <EventTable events={merged} onPick={setPicked} showStream />
        </section>
        <section class="card">
          <h2>a stream</h2>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void open(streamName);
            }}
          >
            <input
              data-testid="stream-name"
              placeholder="order-…"
              value={streamName}
              onInput={(e) => setStreamName((e.target as HTMLInputElement).value)}
            />{' '}
            <button type="submit">Open</button>
          </form>
          {page && (
            <>
              <p>
                <code>{page.stream}</code> from revision {page.from}{' '}
                {page.from !== '0' && (
                  <button type="button" onClick={() => void open(page.stream, String(Math.max(0, Number(page.from) - PAGE)))}>
                    previous
                  </button>
                )}{' '}
                {page.next && (
                  <button type="button" onClick={() => void open(page.stream, page.next)}>
                    next
                  </button>
                )}
              </p>
              <div data-testid="stream-page">
                <EventTable events={page.events} onPick={setPicked} showStream={false} />
              </div>
            </>
          )}
        </section>
      </div>
      {picked && (
        <section class="card wide" data-testid="event-detail">
          <h2>
            {picked.type} <code>{picked.stream}</code>@{picked.revision}
          </h2>
          <p class="muted">
            id {picked.id} · {picked.created} · position {picked.position?.commit ?? '–'}{' '}
            <button type="button" onClick={() => void open(picked.stream)}>
              open stream
            </button>{' '}
            {picked.correlationId && (
              <button type="button" data-testid="show-correlation" onClick={() => void showCorrelation(picked.correlationId!)}>
                caused by / causes (correlation timeline)
              </button>
            )}
          </p>
          <div class="columns">
            <div>
              <h3>data</h3>
              <JsonView value={picked.data} label="data" />
            </div>
            <div>
              <h3>metadata</h3>
              <JsonView value={picked.metadata} label="metadata" />
            </div>
          </div>
        </section>
      )}
      {correlation && <Timeline correlation={correlation} onPick={setPicked} />}
    </div>
  );
}
