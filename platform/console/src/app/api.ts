/** The console API as the pages use it: JSON in, JSON out, a problem's detail as the error message. */
export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path);
  const body = (await response.json()) as T & { detail?: string };
  if (!response.ok) throw new Error(body.detail ?? `${path} answered ${response.status}`);
  return body;
}

export async function postJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { method: 'POST' });
  const body = (await response.json()) as T & { detail?: string };
  if (!response.ok) throw new Error(body.detail ?? `${path} answered ${response.status}`);
  return body;
}

export interface EventView {
  stream: string;
  revision: string;
  type: string;
  id: string;
  created: string;
  position?: { commit: string; prepare: string };
  isJson: boolean;
  data: unknown;
  metadata: unknown;
  correlationId?: string;
  causationId?: string;
}

export interface ReplicaState {
  url: string;
  ready: boolean;
}

export interface HistoryPoint {
  at: number;
  lag: number | null;
  replicas: number;
  eventsPerSecond: number | null;
}

/** A read-model build; in a cluster (`measuredFrom: 'groups'`) only what a group's figures say (see the API's BuildView). */
export interface BuildView {
  label?: string;
  group?: string;
  declared?: boolean;
  version?: number;
  purpose?: string;
  state?: string;
  startedAt?: string;
  replayed?: number;
  total?: number;
  lag?: number;
  capped?: boolean;
  ratePerSecond?: number;
  etaSeconds?: number;
  parked?: number;
  message?: string;
  progress?: number;
}

export interface ReadModelSummary {
  measuredFrom?: 'groups';
  declaredGroup?: string;
  declaredVersion?: number;
  serving?: { label?: string; version?: number; group?: string };
  builds: BuildView[];
  unknown?: string[];
  error?: string;
}

export interface FunctionView {
  name: string;
  routes: { method: string; path: string }[];
  replicas: ReplicaState[];
  replicaCount: number;
  readyReplicas: number;
  ready: boolean;
  subscription?: {
    source: string;
    group: string;
    lag?: number;
    capped?: boolean;
    inFlight?: number;
    parked?: number;
    consumers?: number;
    error?: string;
  };
  eventsPerSecond: number | null;
  handlerP99Seconds: number | null;
  scaling?: {
    minReplicas: number;
    maxReplicas: number;
    latest?: { at: string; replicas: number; reason: string; error?: string };
    lastChange?: { at: string; from: number; to: number; reason: string };
  };
  readModel?: ReadModelSummary;
  history: HistoryPoint[];
}

/** What the page adapts to: a read-only console has no Replay, one without a gateway no Try it. */
export interface About {
  host: string;
  allowReplay: boolean;
  gateway: boolean;
}

export interface QuarantinedView {
  revision: string;
  stream: string;
  streamRevision: string;
  eventId: string;
  type: string;
  reason: string;
  fn: string;
  quarantinedAt: string;
}

export const API = '/console/api';
