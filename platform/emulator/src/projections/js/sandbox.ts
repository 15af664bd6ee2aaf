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
 */
import * as vm from 'node:vm';

export const COMPILATION_TIMEOUT_MS = 500;
export const EXECUTION_TIMEOUT_MS = 250;

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

export class ProjectionSandbox {
  readonly definition: QueryDefinition;
  private readonly context: vm.Context;
  private readonly calls = new Map<string, vm.Script>();

  /** Compiles and runs the query's top level (which declares the projection); throws a ProjectionFault on bad code. */
  constructor(query: string, name: string) {
    this.context = vm.createContext(Object.create(null), {
      name: `projection ${name}`,
      codeGeneration: { strings: false, wasm: false },
    });
    this.run(new vm.Script(PRELUDE), COMPILATION_TIMEOUT_MS);
    let script: vm.Script;
    try {
      script = new vm.Script(query, { filename: `${name}.js` });
    } catch (error) {
      throw new ProjectionFault(`Compilation error: ${messageOf(error)}`);
    }
    this.run(script, COMPILATION_TIMEOUT_MS);
    this.definition = JSON.parse(this.call('__describe()', {}, COMPILATION_TIMEOUT_MS)) as QueryDefinition;
  }

  initialState(): string {
    return this.call('__init()', {}, EXECUTION_TIMEOUT_MS);
  }

  partitionOf(event: ProjectionEvent): string {
    return this.call('__partitionOf(__a)', { __a: JSON.stringify(event) }, EXECUTION_TIMEOUT_MS);
  }

  process(state: string, event: ProjectionEvent): Processed {
    const out = this.call('__process(__a, __b)', { __a: state, __b: JSON.stringify(event) }, EXECUTION_TIMEOUT_MS);
    return JSON.parse(out) as Processed;
  }

  /** The state through `transformBy` / `filterBy` (JSON text; `null` when filtered out). */
  result(state: string): string {
    return this.call('__result(__a)', { __a: state }, EXECUTION_TIMEOUT_MS);
  }

  private call(expression: string, args: Record<string, string>, timeout: number): string {
    for (const [key, value] of Object.entries(args)) this.context[key] = value;
    let script = this.calls.get(expression);
    if (!script) {
      script = new vm.Script(expression);
      this.calls.set(expression, script);
    }
    const out = this.run(script, timeout);
    if (typeof out !== 'string') throw new ProjectionFault(`The projection returned ${typeof out} instead of JSON.`);
    return out;
  }

  private run(script: vm.Script, timeout: number): unknown {
    try {
      return script.runInContext(this.context, { timeout, breakOnSigint: false });
    } catch (error) {
      throw new ProjectionFault(messageOf(error));
    }
  }
}

/** Errors thrown inside the context are not host Errors (another realm): read their message by shape. */
function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}
