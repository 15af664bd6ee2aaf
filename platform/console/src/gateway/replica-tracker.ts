/** A function behind the gateway: its name and where its running replicas listen. */
export interface GatewayFunction {
  readonly name: string;
  /** Base URLs (`http://127.0.0.1:8081`) of its running replicas, ready or not; the gateway probes them. */
  replicaUrls(): readonly string[];
}

export interface ReplicaState {
  readonly url: string;
  readonly ready: boolean;
  /** Epoch ms of the last /readyz answer (or failure); undefined before the first probe. */
  readonly probedAt?: number;
}

// A ready function answers /readyz in milliseconds; bounded so a replica that accepts and never answers cannot stall a pass.
const PROBE_TIMEOUT_MS = 2_000;
/** How often every replica's /readyz is probed: a replica the autoscaler adds gets traffic within about this long. */
export const DEFAULT_PROBE_INTERVAL_MS = 1_000;

/**
 * Which replicas of each function are ready, by probing their /readyz, and which one the next
 * request goes to (round robin over the ready ones). A replica whose connection is refused is marked
 * not ready at once, so a replica that just stopped gets no more requests before the next probe.
 */
export class ReplicaTracker {
  private readonly states = new Map<string, ReplicaState>();
  private readonly turn = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;

  constructor(
    private readonly functions: readonly GatewayFunction[],
    private readonly intervalMs: number = DEFAULT_PROBE_INTERVAL_MS,
  ) {}

  names(): string[] {
    return this.functions.map((fn) => fn.name);
  }

  /** Probes continuously until `stop`. */
  start(): void {
    const loop = async () => {
      await this.probeAll();
      if (this.timer !== undefined) this.timer = setTimeout(loop, this.intervalMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** One probe of every replica of every function; concurrent callers share the pass in progress. */
  probeAll(): Promise<void> {
    this.pass ??= Promise.all(this.functions.map((fn) => this.probeFunction(fn))).then(() => {
      this.pass = undefined;
    });
    return this.pass;
  }

  /** Every running replica of `name` and whether it is ready. */
  replicas(name: string): ReplicaState[] {
    const fn = this.functions.find((f) => f.name === name);
    return (fn?.replicaUrls() ?? []).map((url) => this.states.get(url) ?? { url, ready: false });
  }

  /** The next ready replica of `name`, skipping `exclude`; undefined when none is ready. */
  pick(name: string, exclude: ReadonlySet<string> = new Set()): string | undefined {
    const ready = this.replicas(name).filter((r) => r.ready && !exclude.has(r.url));
    if (ready.length === 0) return undefined;
    const next = (this.turn.get(name) ?? 0) % ready.length;
    this.turn.set(name, next + 1);
    return ready[next]!.url;
  }

  /** A request found the replica gone: no more traffic until a probe finds it ready again. */
  markDown(url: string): void {
    this.states.set(url, { url, ready: false, probedAt: Date.now() });
  }

  private async probeFunction(fn: GatewayFunction): Promise<void> {
    const urls = fn.replicaUrls();
    await Promise.all(
      urls.map(async (url) => {
        const ready = await fetch(`${url}/readyz`, {
          headers: { connection: 'close' },
          signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        }).then(
          async (response) => {
            await response.body?.cancel();
            return response.status === 200;
          },
          () => false,
        );
        this.states.set(url, { url, ready, probedAt: Date.now() });
      }),
    );
    // Replicas that are gone are forgotten, so a port the OS hands out again starts unknown.
    const live = new Set(this.functions.flatMap((f) => f.replicaUrls()));
    for (const url of this.states.keys()) if (!live.has(url)) this.states.delete(url);
  }
}
