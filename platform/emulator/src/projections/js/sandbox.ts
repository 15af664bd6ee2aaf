/**
 * A user projection's JavaScript, run as the server's projection runtime runs it (the v2 JS
 * runtime in EventStore.Projections.Core/Services/Interpreted/JintProjectionStateHandler.cs):
 * the query declares its source (`fromAll`, `fromStream`, `fromStreams`, `fromCategory`), how
 * it partitions (`foreachStream`, `partitionBy`), its handlers (`when` with `$init`, `$any`
 * and one per event type), what it outputs (`outputState`, `transformBy`, `filterBy`) and may
 * `emit` and `linkTo`. It runs in a `node:vm` context of its own: JavaScript built-ins only,
 * no `require`, `process` or timers, no `eval`; every call into it has a time budget (the
 * server's ProjectionCompilationTimeout, 500 ms, and ProjectionExecutionTimeout, 250 ms).
 * Values cross the boundary as JSON text, so nothing of the host leaks in or out.
 *
 * The context lives in a worker thread of its own, one per projection. The vm's budget only
 * covers the synchronous call: promise callbacks the query queues (`Promise.resolve().then`,
 * `async` handlers) and finalizers run afterwards, on the thread's own loop. In the node's
 * thread such a callback that never returns would stop the whole emulator; in the worker, the
 * host's watchdog ends the thread and the projection faults. (`microtaskMode: 'afterEvaluate'`
 * would bring the callbacks under the vm's budget, but a timeout inside one aborts Node when
 * async hooks are in use, e.g. by AsyncLocalStorage: nodejs/node#38503.)
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

export const COMPILATION_TIMEOUT_MS = 500;
export const EXECUTION_TIMEOUT_MS = 250;
/** How long past a call's budget the host waits for its answer before it ends the worker. */
const WATCHDOG_GRACE_MS = 1_000;
/** The worker's heap: a query that allocates without bound faults instead of exhausting the node. */
const HEAP_LIMIT_MB = 128;

export type SourceDefinition =
  | { readonly kind: 'all' }
  | { readonly kind: 'streams'; readonly streams: readonly string[] }
  | { readonly kind: 'category'; readonly category: string };

export interface QueryDefinition {
  readonly source: SourceDefinition;
  readonly partitioning: 'none' | 'stream' | 'custom';
  /** Event types with a handler; undefined when `$any` handles every type. */
  readonly handledTypes: readonly string[] | undefined;
  readonly outputState: boolean;
  readonly transforms: boolean;
  readonly includeLinks: boolean;
}

/** One event as the handlers see it (the server's envelope fields). */
export interface ProjectionEvent {
  readonly isJson: boolean;
  readonly data: unknown;
  readonly bodyRaw: string;
  readonly metadataRaw: string;
  readonly linkMetadataRaw: string;
  readonly sequenceNumber: number;
  readonly streamId: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly partition: string;
}

export interface Emitted {
  readonly kind: 'emit' | 'link';
  readonly stream: string;
  readonly type: string;
  /** JSON text of an emitted event's data, or the `<revision>@<stream>` of a link. */
  readonly data: string;
  readonly metadata: Record<string, unknown> | undefined;
}

export interface Processed {
  /** JSON text of the partition's new state. */
  readonly state: string;
  readonly emitted: readonly Emitted[];
}

/** An error the projection's own code raised (or its time budget): the projection faults with its message. */
export class ProjectionFault extends Error {}

/** Runs inside the context: the projection API, bound to per-context bookkeeping. */
const PRELUDE = `
'use strict';
const __def = { source: null, partitioning: 'none', handlers: null, outputState: false, transforms: [], includeLinks: false, partitionBy: null };
let __emitted = [];
function __selector() {
  const chain = {
    when(handlers) { __def.handlers = handlers; return chain; },
    foreachStream() { __def.partitioning = 'stream'; return chain; },
    partitionBy(fn) { __def.partitioning = 'custom'; __def.partitionBy = fn; return chain; },
    outputState() { __def.outputState = true; return chain; },
    outputTo() { __def.outputState = true; return chain; },
    transformBy(fn) { __def.transforms.push({ kind: 'transform', fn }); return chain; },
    filterBy(fn) { __def.transforms.push({ kind: 'filter', fn }); return chain; },
  };
  return chain;
}
function fromAll() { __def.source = { kind: 'all' }; return __selector(); }
function fromStream(name) { __def.source = { kind: 'streams', streams: [String(name)] }; return __selector(); }
function fromStreams(...names) { const list = Array.isArray(names[0]) ? names[0] : names; __def.source = { kind: 'streams', streams: list.map(String) }; return __selector(); }
function fromCategory(name) { __def.source = { kind: 'category', category: String(name) }; return __selector(); }
function options(o) { if (o && o.$includeLinks) __def.includeLinks = true; }
function emit(streamId, eventType, data, metadata) { __emitted.push({ kind: 'emit', stream: String(streamId), type: String(eventType), data: JSON.stringify(data === undefined ? null : data), metadata: metadata === undefined ? undefined : metadata }); }
function linkTo(streamId, event, metadata) { __emitted.push({ kind: 'link', stream: String(streamId), type: '$>', data: event.sequenceNumber + '@' + event.streamId, metadata: metadata === undefined ? undefined : metadata }); }
function log() {}
function __describe() {
  if (!__def.source) throw new Error('The projection does not select a source (fromAll, fromStream, fromStreams or fromCategory).');
  // ReaderStrategy.Create refuses this combination.
  if (__def.partitioning === 'stream' && __def.source.kind === 'streams') throw new Error('foreachStream projections are not supported on stream based sources');
  const handlers = __def.handlers || {};
  const types = Object.keys(handlers).filter((k) => !k.startsWith('$'));
  return JSON.stringify({
    source: __def.source,
    partitioning: __def.partitioning,
    handledTypes: typeof handlers.$any === 'function' ? undefined : types,
    outputState: __def.outputState,
    transforms: __def.transforms.length > 0,
    includeLinks: __def.includeLinks,
  });
}
function __init() {
  const handlers = __def.handlers || {};
  const state = typeof handlers.$init === 'function' ? handlers.$init() : {};
  return JSON.stringify(state === undefined ? {} : state);
}
function __partitionOf(eventJson) {
  const event = JSON.parse(eventJson);
  if (__def.partitioning === 'stream') return event.streamId;
  const key = __def.partitionBy(event);
  return key === undefined || key === null ? '' : String(key);
}
function __json(text) { try { return text ? JSON.parse(text) : {}; } catch (e) { return {}; } }
function __process(stateJson, eventJson) {
  __emitted = [];
  const handlers = __def.handlers || {};
  const event = JSON.parse(eventJson);
  event.body = event.data;
  event.metadata = __json(event.metadataRaw);
  event.linkMetadata = __json(event.linkMetadataRaw);
  let state = JSON.parse(stateJson);
  const handler = typeof handlers[event.eventType] === 'function' ? handlers[event.eventType] : handlers.$any;
  if (typeof handler === 'function') {
    const next = handler(state, event);
    if (next !== undefined) state = next;
  }
  return JSON.stringify({ state: JSON.stringify(state === undefined ? null : state), emitted: __emitted });
}
function __result(stateJson) {
  let result = JSON.parse(stateJson);
  for (const step of __def.transforms) {
    if (step.kind === 'transform') result = step.fn(result);
    else if (!step.fn(result)) return 'null';
  }
  return JSON.stringify(result === undefined ? null : result);
}
`;

/**
 * The worker's side, plain JavaScript (evaluated as such, so it needs no TypeScript loader):
 * one context, compiled once, then one call per message. Each answer goes out once the promise
 * callbacks the call queued have run, so a callback that never returns leaves the call
 * unanswered and the watchdog ends the worker.
 */
const WORKER = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const replies = workerData.replies;
const vm = require('node:vm');
const context = vm.createContext(Object.create(null), { name: workerData.name, codeGeneration: { strings: false, wasm: false } });
const scripts = new Map();
// Errors thrown inside the context are not this realm's Errors: read their message by shape.
const messageOf = (error) => (typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error));
const run = (script, timeout) => script.runInContext(context, { timeout, breakOnSigint: false });
function call(expression, args, timeout) {
  for (const key of Object.keys(args)) context[key] = args[key];
  let script = scripts.get(expression);
  if (!script) {
    script = new vm.Script(expression);
    scripts.set(expression, script);
  }
  const out = run(script, timeout);
  if (typeof out !== 'string') throw new Error('The projection returned ' + typeof out + ' instead of JSON.');
  return out;
}
function compile(query, filename, timeout) {
  run(new vm.Script(workerData.prelude), timeout);
  let script;
  try {
    script = new vm.Script(query, { filename });
  } catch (error) {
    throw new Error('Compilation error: ' + messageOf(error));
  }
  run(script, timeout);
  return call('__describe()', {}, timeout);
}
parentPort.on('message', (m) => {
  let reply;
  try {
    reply = { id: m.id, value: m.op === 'compile' ? compile(m.query, m.filename, m.timeout) : call(m.expression, m.args, m.timeout) };
  } catch (error) {
    reply = { id: m.id, error: messageOf(error) };
  }
  setImmediate(() => replies.postMessage(reply));
});
`;

type Request =
  | { readonly op: 'compile'; readonly query: string; readonly filename: string; readonly timeout: number }
  | { readonly op: 'call'; readonly expression: string; readonly args: Record<string, string>; readonly timeout: number };

interface Reply {
  readonly id: number;
  readonly value?: string;
  readonly error?: string;
}

/**
 * The host's side of one projection's worker: requests with a watchdog each, and the worker's
 * end. Answers come on a port of their own, so that a watchdog firing late (the node's loop was
 * busy) first takes any answer already sent: only a worker that did not answer in time faults.
 */
class WorkerHost {
  private readonly worker: Worker;
  private readonly replies: MessagePort;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { readonly resolve: (value: string) => void; readonly reject: (error: Error) => void; readonly timer: NodeJS.Timeout }
  >();
  private failure: string | undefined;

  constructor(name: string) {
    const channel = new MessageChannel();
    this.replies = channel.port1;
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { name: `projection ${name}`, prelude: PRELUDE, replies: channel.port2 },
      transferList: [channel.port2],
      resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB },
    });
    // The node's lifetime is not the projections' business: close() ends the workers.
    this.worker.unref();
    this.replies.on('message', (reply: Reply) => this.settle(reply));
    this.replies.unref();
    // e.g. ERR_WORKER_OUT_OF_MEMORY past the heap limit.
    this.worker.on('error', (error: Error) => this.fail(error.message));
    this.worker.on('exit', () => this.fail('The projection runtime stopped.'));
  }

  request(request: Request): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(new ProjectionFault(this.failure));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        for (let received = receiveMessageOnPort(this.replies); received; received = receiveMessageOnPort(this.replies)) {
          this.settle(received.message as Reply);
        }
        if (this.pending.has(id)) this.fail(`Script execution timed out after ${request.timeout}ms`);
      }, request.timeout + WATCHDOG_GRACE_MS);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ ...request, id });
    });
  }

  close(): void {
    this.fail('The projection was stopped.');
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    clearTimeout(waiting.timer);
    if (reply.error !== undefined) waiting.reject(new ProjectionFault(reply.error));
    else waiting.resolve(reply.value!);
  }

  /** The first reason wins; every call waiting and every later one fails with it. */
  private fail(reason: string): void {
    if (this.failure === undefined) this.failure = reason;
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(new ProjectionFault(this.failure));
    }
    this.pending.clear();
    this.replies.close();
    void this.worker.terminate();
  }
}

export class ProjectionSandbox {
  private constructor(
    private readonly host: WorkerHost,
    readonly definition: QueryDefinition,
  ) {}

  /** Compiles and runs the query's top level (which declares the projection); rejects with a ProjectionFault on bad code. */
  static async compile(query: string, name: string): Promise<ProjectionSandbox> {
    const host = new WorkerHost(name);
    try {
      const described = await host.request({ op: 'compile', query, filename: `${name}.js`, timeout: COMPILATION_TIMEOUT_MS });
      return new ProjectionSandbox(host, JSON.parse(described) as QueryDefinition);
    } catch (error) {
      host.close();
      throw error;
    }
  }

  initialState(): Promise<string> {
    return this.call('__init()', {});
  }

  partitionOf(event: ProjectionEvent): Promise<string> {
    return this.call('__partitionOf(__a)', { __a: JSON.stringify(event) });
  }

  async process(state: string, event: ProjectionEvent): Promise<Processed> {
    return JSON.parse(await this.call('__process(__a, __b)', { __a: state, __b: JSON.stringify(event) })) as Processed;
  }

  /** The state through `transformBy` / `filterBy` (JSON text; `null` when filtered out). */
  result(state: string): Promise<string> {
    return this.call('__result(__a)', { __a: state });
  }

  /** Ends the worker; later calls fail. */
  close(): void {
    this.host.close();
  }

  private call(expression: string, args: Record<string, string>): Promise<string> {
    return this.host.request({ op: 'call', expression, args, timeout: EXECUTION_TIMEOUT_MS });
  }
}
