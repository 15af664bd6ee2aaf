import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { type About, API, type EventView, type FunctionView, getJson } from './api';
import { FunctionsPage } from './pages/functions';
import { StreamsPage } from './pages/streams';
import { SubscriptionsPage } from './pages/subscriptions';
import { TryItPage } from './pages/try-it';

const PAGES = [
  { hash: '#/functions', title: 'Functions' },
  { hash: '#/subscriptions', title: 'Subscriptions' },
  { hash: '#/streams', title: 'Streams' },
  { hash: '#/try', title: 'Try it' },
] as const;
const LIVE_EVENTS_KEPT = 50;

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/functions');
  useEffect(() => {
    const onChange = () => setHash(location.hash || '#/functions');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

/** One live connection for every page: function samples and new events over SSE. */
function useLive(): { functions: FunctionView[]; events: EventView[]; tick: number; connected: boolean } {
  const [functions, setFunctions] = useState<FunctionView[]>([]);
  const [events, setEvents] = useState<EventView[]>([]);
  const [tick, setTick] = useState(0);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const source = new EventSource(`${API}/live`);
    source.addEventListener('open', () => setConnected(true));
    source.addEventListener('error', () => setConnected(false));
    source.addEventListener('functions', (e) => {
      setFunctions(JSON.parse((e as MessageEvent<string>).data) as FunctionView[]);
      setTick((t) => t + 1);
    });
    source.addEventListener('event', (e) => {
      const event = JSON.parse((e as MessageEvent<string>).data) as EventView;
      setEvents((list) => [event, ...list].slice(0, LIVE_EVENTS_KEPT));
    });
    return () => source.close();
  }, []);
  return { functions, events, tick, connected };
}

/** Who serves the console and what it allows; until it is known, the page offers only what every console has. */
function useAbout(): About {
  const [about, setAbout] = useState<About>({ host: '', allowReplay: false, gateway: false });
  useEffect(() => {
    getJson<About>(`${API}/about`).then(setAbout, () => undefined);
  }, []);
  return about;
}

function App() {
  const hash = useHash();
  const live = useLive();
  const about = useAbout();
  // Try it sends requests through the gateway: a console served elsewhere (the autoscaler) has none.
  const pages = PAGES.filter((p) => p.hash !== '#/try' || about.gateway);
  return (
    <>
      <nav>
        <strong>Spillway</strong>
        {about.host && <span class="muted">{about.host}</span>}
        {pages.map((p) => (
          <a key={p.hash} href={p.hash} class={hash === p.hash ? 'active' : ''}>
            {p.title}
          </a>
        ))}
        <span class={`badge push ${live.connected ? 'ok' : 'bad'}`} data-testid="live">
          {live.connected ? 'live' : 'offline'}
        </span>
      </nav>
      <main>
        {hash === '#/functions' && <FunctionsPage functions={live.functions} />}
        {hash === '#/subscriptions' && <SubscriptionsPage tick={live.tick} allowReplay={about.allowReplay} />}
        {hash === '#/streams' && <StreamsPage live={live.events} />}
        {hash === '#/try' && <TryItPage />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
