import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeLeases } from './fake-leases';

/** A Deployment as the fake API server stores and returns it (the fields the autoscaler and charts read). */
export interface FakeDeployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    generation: number;
    creationTimestamp: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: Record<string, unknown> };
  status: { replicas: number; readyReplicas: number; availableReplicas: number; observedGeneration: number };
}

/** One request as the fake server received it, for assertions on what the real client sent. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  readonly body: unknown;
  readonly status: number;
  /** The User-Agent header: the autoscaler names its replica there. */
  readonly userAgent: string | undefined;
  /** Position among every recorded request and Lease version (see FakeLeases.before). */
  readonly seq: number;
}

interface WatchEvent {
  readonly resourceVersion: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: FakeDeployment;
}

/**
 * A Kubernetes API server for tests, over real HTTP: Deployments (list, get, watch with
 * `?watch=true|1` streaming one JSON event per line from a resourceVersion) and their `/scale`
 * subresource (get, put, and patch as json-patch, merge-patch or strategic-merge-patch). A write
 * carrying a stale `metadata.resourceVersion` gets a 409 Conflict Status, as the real server does.
 * Leases (`coordination.k8s.io/v1`) are served by FakeLeases. Label and field selectors are not implemented.
 */
export class FakeKubernetes {
  readonly requests: RecordedRequest[] = [];
  private readonly deployments = new Map<string, FakeDeployment>();
  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Set<{ namespace?: string; res: ServerResponse }>();
  private readonly conflicts = new Map<string, number>();
  private revision = 1;
  private seq = 0;
  /** Leases for leader election: get, create, update with resourceVersion conflicts. */
  readonly leases = new FakeLeases(
    () => ++this.revision,
    () => ++this.seq,
  );
  private server?: Server;
  private baseUrl = '';

  /** Starts on 127.0.0.1 with a free port. */
  static async start(): Promise<FakeKubernetes> {
    const fake = new FakeKubernetes();
    const server = createServer((req, res) => {
      fake.handle(req, res).catch((err: unknown) => fake.send(res, req, 500, status(500, 'InternalError', String(err)), undefined));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.server = server;
    fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The cluster URL to give the client (`http://127.0.0.1:PORT`). */
  get url(): string {
    return this.baseUrl;
  }

  /** Creates or updates a Deployment; watchers see ADDED or MODIFIED. */
  putDeployment(input: {
    namespace: string;
    name: string;
    replicas?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  }): FakeDeployment {
    const key = `${input.namespace}/${input.name}`;
    const existing = this.deployments.get(key);
    const replicas = input.replicas ?? existing?.spec.replicas ?? 1;
    const generation = (existing?.metadata.generation ?? 0) + 1;
    const deployment: FakeDeployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: input.name,
        namespace: input.namespace,
        uid: existing?.metadata.uid ?? randomUUID(),
        resourceVersion: String(++this.revision),
        generation,
        creationTimestamp: existing?.metadata.creationTimestamp ?? new Date().toISOString(),
        labels: input.labels ?? existing?.metadata.labels ?? { app: input.name },
        annotations: input.annotations ?? existing?.metadata.annotations ?? {},
      },
      spec: {
        replicas,
        selector: { matchLabels: { app: input.name } },
        template: { metadata: { labels: { app: input.name } }, spec: { containers: [{ name: input.name, image: `${input.name}:test` }] } },
      },
      status: { replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: generation },
    };
    this.deployments.set(key, deployment);
    this.emit(existing ? 'MODIFIED' : 'ADDED', deployment);
    return deployment;
  }

  deleteDeployment(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const existing = this.deployments.get(key);
    if (!existing) return;
    this.deployments.delete(key);
    this.emit('DELETED', { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.revision) } });
  }

  deployment(namespace: string, name: string): FakeDeployment | undefined {
    return this.deployments.get(`${namespace}/${name}`);
  }

  /** The next `count` writes to this Deployment's scale fail with 409, as if another writer had changed it first. */
  injectConflicts(namespace: string, name: string, count: number): void {
    this.conflicts.set(`${namespace}/${name}`, count);
  }

  /** Requests that wrote a Deployment's scale (PATCH or PUT on `/scale`), successful or not. */
  scaleWrites(namespace: string, name: string): RecordedRequest[] {
    const path = `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/scale`;
    return this.requests.filter((r) => r.path === path && (r.method === 'PATCH' || r.method === 'PUT'));
  }

  async close(): Promise<void> {
    for (const watcher of this.watchers) watcher.res.end();
    this.watchers.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private emit(type: WatchEvent['type'], object: FakeDeployment): void {
    const event: WatchEvent = { resourceVersion: Number(object.metadata.resourceVersion), type, object: structuredClone(object) };
    this.history.push(event);
    for (const watcher of this.watchers) {
      if (watcher.namespace === undefined || watcher.namespace === object.metadata.namespace) {
        watcher.res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
      }
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw) : undefined;
    } catch {
      return this.send(res, req, 400, status(400, 'BadRequest', 'body is not JSON'), body, url, query);
    }
    const reply = (code: number, payload: unknown) => this.send(res, req, code, payload, body, url, query);

    const lease = this.leases.handle(req.method ?? 'GET', url.pathname, body);
    if (lease) return reply(lease.code, lease.body);

    const collection = url.pathname.match(/^\/apis\/apps\/v1(?:\/namespaces\/([^/]+))?\/deployments$/);
    if (collection && req.method === 'GET') {
      const namespace = collection[1] ? decodeURIComponent(collection[1]) : undefined;
      if (query['watch'] === 'true' || query['watch'] === '1') return this.watch(req, res, namespace, query, url);
      const items = [...this.deployments.values()].filter((d) => namespace === undefined || d.metadata.namespace === namespace);
      return reply(200, { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { resourceVersion: String(this.revision) }, items });
    }

    const item = url.pathname.match(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)(\/scale)?$/);
    if (!item) return reply(404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
    const namespace = decodeURIComponent(item[1] ?? '');
    const name = decodeURIComponent(item[2] ?? '');
    const deployment = this.deployment(namespace, name);
    if (!deployment) return reply(404, status(404, 'NotFound', `deployments.apps "${name}" not found`, name));
    if (!item[3]) {
      if (req.method === 'GET') return reply(200, deployment);
      return reply(405, status(405, 'MethodNotAllowed', `${req.method} is not supported on deployments here`, name));
    }

    if (req.method === 'GET') return reply(200, toScale(deployment));
    if (req.method !== 'PATCH' && req.method !== 'PUT') return reply(405, status(405, 'MethodNotAllowed', `${req.method} on scale`, name));
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    let next: { spec?: { replicas?: unknown }; metadata?: { resourceVersion?: unknown } };
    try {
      next = req.method === 'PUT' ? ((body ?? {}) as typeof next) : applyPatch(toScale(deployment), contentType, body);
    } catch (err) {
      const code = err instanceof HttpError ? err.code : 422;
      return reply(code, status(code, code === 415 ? 'UnsupportedMediaType' : 'Invalid', (err as Error).message, name));
    }
    const key = `${namespace}/${name}`;
    const injected = this.conflicts.get(key) ?? 0;
    if (injected > 0) {
      this.conflicts.set(key, injected - 1);
      // Another writer got there first: the object changes, and this write is stale.
      this.putDeployment({ namespace, name });
      return reply(409, conflict(name));
    }
    const precondition = next.metadata?.resourceVersion;
    if (precondition !== undefined && precondition !== '' && String(precondition) !== deployment.metadata.resourceVersion) {
      return reply(409, conflict(name));
    }
    const replicas = next.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      return reply(
        422,
        status(422, 'Invalid', `Scale.apps "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}`, name),
      );
    }
    const updated = this.putDeployment({ namespace, name, replicas });
    return reply(200, toScale(updated));
  }

  private watch(req: IncomingMessage, res: ServerResponse, namespace: string | undefined, query: Record<string, string>, url: URL): void {
    const from = Number(query['resourceVersion'] ?? '0') || 0;
    this.requests.push({
      method: 'GET',
      path: url.pathname,
      query,
      contentType: undefined,
      body: undefined,
      status: 200,
      userAgent: req.headers['user-agent'],
      seq: ++this.seq,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // The client's fetch resolves on the headers; without a flush they wait for the first event.
    res.flushHeaders();
    for (const event of this.history) {
      if (event.resourceVersion > from && (namespace === undefined || event.object.metadata.namespace === namespace)) {
        res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
      }
    }
    const watcher = { namespace, res };
    this.watchers.add(watcher);
    const timeout = Number(query['timeoutSeconds'] ?? '0');
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    req.on('close', () => {
      if (timer) clearTimeout(timer);
      this.watchers.delete(watcher);
    });
  }

  private send(
    res: ServerResponse,
    req: IncomingMessage,
    code: number,
    payload: unknown,
    body: unknown,
    url = new URL(req.url ?? '/', 'http://fake'),
    query: Record<string, string> = Object.fromEntries(url.searchParams),
  ): void {
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      contentType: req.headers['content-type'],
      body,
      status: code,
      userAgent: req.headers['user-agent'],
      seq: ++this.seq,
    });
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  }
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function toScale(d: FakeDeployment) {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: d.metadata.name,
      namespace: d.metadata.namespace,
      uid: d.metadata.uid,
      resourceVersion: d.metadata.resourceVersion,
      creationTimestamp: d.metadata.creationTimestamp,
    },
    spec: { replicas: d.spec.replicas },
    status: { replicas: d.status.replicas, selector: `app=${d.metadata.name}` },
  };
}

type ScaleDoc = ReturnType<typeof toScale>;

function applyPatch(current: ScaleDoc, contentType: string | undefined, patch: unknown) {
  switch (contentType) {
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
      return mergePatch(current, patch) as ScaleDoc;
    case 'application/json-patch+json':
      return jsonPatch(current, patch);
    default:
      throw new HttpError(
        415,
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`,
      );
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function jsonPatch(current: ScaleDoc, patch: unknown): ScaleDoc {
  if (!Array.isArray(patch)) throw new HttpError(400, 'json patch must be an array');
  const doc = structuredClone(current) as unknown as Record<string, Record<string, unknown>>;
  for (const op of patch as { op: string; path: string; value?: unknown }[]) {
    const [, section, field] = op.path.split('/');
    const parent = section ? doc[section] : undefined;
    if (!parent || !field) throw new HttpError(422, `unsupported path ${op.path}`);
    if (op.op === 'test') {
      if (JSON.stringify(parent[field]) !== JSON.stringify(op.value)) throw new HttpError(422, `test operation failed at ${op.path}`);
    } else if (op.op === 'replace' || op.op === 'add') parent[field] = op.value;
    else if (op.op === 'remove') delete parent[field];
    else throw new HttpError(422, `unsupported op ${op.op}`);
  }
  return doc as unknown as ScaleDoc;
}

function status(code: number, reason: string, message: string, name?: string) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(name ? { details: { name, group: 'apps', kind: 'deployments' } } : {}),
    code,
  };
}

function conflict(name: string) {
  return status(
    409,
    'Conflict',
    `Operation cannot be fulfilled on deployments.apps "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    name,
  );
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
