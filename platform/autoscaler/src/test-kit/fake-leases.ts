import { randomUUID } from 'node:crypto';

/** A `coordination.k8s.io/v1` Lease as the fake API server stores and returns it. */
export interface FakeLease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** One stored version of a Lease; `seq` orders it among the fake server's recorded requests. */
export interface LeaseVersion {
  readonly seq: number;
  readonly at: number;
  readonly lease: FakeLease;
}

/** What a lease route answers: a status code and a body (a Lease or a Status). */
export interface LeaseReply {
  readonly code: number;
  readonly body: unknown;
}

const LEASE_PATH = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/;

/**
 * The Lease part of FakeKubernetes: get, create (409 AlreadyExists when it exists) and update
 * (409 Conflict when the body's resourceVersion is not the stored one, as the real server does;
 * an update without a resourceVersion is unconditional, as there). Every version is kept so a test
 * can ask who held a Lease when some other request arrived.
 */
export class FakeLeases {
  private readonly leases = new Map<string, FakeLease>();
  private readonly versions: LeaseVersion[] = [];
  private failures = 0;

  constructor(
    /** The server's shared resourceVersion counter. */
    private readonly nextRevision: () => number,
    /** The server's shared request sequence. */
    private readonly nextSeq: () => number,
  ) {}

  /** The Lease as stored now. */
  get(namespace: string, name: string): FakeLease | undefined {
    return this.leases.get(`${namespace}/${name}`);
  }

  /** Every version the Lease has had, oldest first. */
  history(namespace: string, name: string): readonly LeaseVersion[] {
    return this.versions.filter((v) => v.lease.metadata.namespace === namespace && v.lease.metadata.name === name);
  }

  /** The Lease as it was just before the request numbered `seq` was answered. */
  before(namespace: string, name: string, seq: number): FakeLease | undefined {
    return this.history(namespace, name)
      .filter((v) => v.seq < seq)
      .at(-1)?.lease;
  }

  /** The next `count` lease requests fail with 500, as an API server that cannot reach etcd does. */
  failNext(count: number): void {
    this.failures = count;
  }

  /** Answers a request if it is for a Lease; undefined when the path is not a lease path. */
  handle(method: string, pathname: string, body: unknown): LeaseReply | undefined {
    const match = pathname.match(LEASE_PATH);
    if (!match) return undefined;
    const namespace = decodeURIComponent(match[1] ?? '');
    const name = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    if (this.failures > 0) {
      this.failures--;
      return { code: 500, body: leaseStatus(500, 'InternalError', 'etcdserver: request timed out', name) };
    }
    if (name === undefined) {
      if (method !== 'POST') return { code: 405, body: leaseStatus(405, 'MethodNotAllowed', `${method} on the lease collection`) };
      return this.create(namespace, body);
    }
    const existing = this.get(namespace, name);
    if (method === 'GET') {
      return existing ? { code: 200, body: existing } : { code: 404, body: notFound(name) };
    }
    if (method !== 'PUT')
      return { code: 405, body: leaseStatus(405, 'MethodNotAllowed', `${method} is not supported on leases here`, name) };
    if (!existing) return { code: 404, body: notFound(name) };
    const next = body as Partial<FakeLease> | undefined;
    if (next?.metadata?.name !== undefined && next.metadata.name !== name) {
      return { code: 400, body: leaseStatus(400, 'BadRequest', 'the name of the object does not match the name on the URL', name) };
    }
    const precondition = next?.metadata?.resourceVersion;
    if (precondition !== undefined && precondition !== '' && precondition !== existing.metadata.resourceVersion) {
      return {
        code: 409,
        body: leaseStatus(
          409,
          'Conflict',
          `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          name,
        ),
      };
    }
    return { code: 200, body: this.store({ ...existing, spec: { ...(next?.spec ?? {}) } }) };
  }

  private create(namespace: string, body: unknown): LeaseReply {
    const input = body as Partial<FakeLease> | undefined;
    const name = input?.metadata?.name;
    if (!name)
      return { code: 422, body: leaseStatus(422, 'Invalid', 'Lease.coordination.k8s.io is invalid: metadata.name: Required value') };
    if (this.get(namespace, name)) {
      return { code: 409, body: leaseStatus(409, 'AlreadyExists', `leases.coordination.k8s.io "${name}" already exists`, name) };
    }
    const lease: FakeLease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace, uid: randomUUID(), resourceVersion: '', creationTimestamp: new Date().toISOString() },
      spec: { ...(input?.spec ?? {}) },
    };
    return { code: 201, body: this.store(lease) };
  }

  private store(lease: FakeLease): FakeLease {
    const stored: FakeLease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(this.nextRevision()) } };
    this.leases.set(`${stored.metadata.namespace}/${stored.metadata.name}`, stored);
    this.versions.push({ seq: this.nextSeq(), at: Date.now(), lease: structuredClone(stored) });
    return stored;
  }
}

function leaseStatus(code: number, reason: string, message: string, name?: string) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(name ? { details: { name, group: 'coordination.k8s.io', kind: 'leases' } } : {}),
    code,
  };
}

function notFound(name: string) {
  return leaseStatus(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`, name);
}
