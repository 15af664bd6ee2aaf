import { type Emulator, startEmulator } from '@spillway/emulator';
import { z } from 'zod';
import { logCapture } from '../../test/log-capture';
import { ownGetters } from '../../test/own-getters';
import { defineFunction, type EventSchemas, type FunctionDefinition, type HandlerContext } from '../contract/define-function';
import { PermanentError } from '../errors/errors';
import { type Harness, type HarnessOptions, startHarness } from '../testing/harness';

const Item = z.object({ n: z.number().int(), poison: z.boolean().optional(), permanent: z.boolean().optional() });

let emulator: Emulator;
const harnesses: Harness[] = [];
beforeAll(async () => {
  emulator = await startEmulator({ memory: true, port: 0 });
});
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});
afterAll(() => emulator.close());

async function start<E extends EventSchemas, D>(definition: FunctionDefinition<E, D>, options: HarnessOptions = {}) {
  const harness = await startHarness(definition, { connectionString: emulator.connectionString, logLevel: 'silent', ...options });
  harnesses.push(harness);
  return harness;
}

async function parkedCount(harness: Harness, group: string): Promise<bigint> {
  return (await harness.client.getPersistentSubscriptionToAllInfo(group)).stats.parkedMessageCount;
}

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('the subscription runner against the emulator', () => {
  test('a poison event is retried with backoff, parked when its budget is spent, while others keep flowing', async () => {
    const attempts = new Map<number, number>();
    const handled: number[] = [];
    const logs = logCapture();
    const fn = defineFunction({
      name: 'poison-test',
      subscription: {
        source: { all: { streamNamePrefixes: ['poison-'] } },
        group: 'poison-test',
        events: { Item },
        // One slot: had the waiting poison kept it, nothing else could run.
        concurrency: 1,
        // Delays of 0.5-1 s, so the poison waits while the others are handled; three attempts in all.
        retry: { initialDelayMs: 1_000, factor: 1, maxDelayMs: 1_000, maxAttempts: 3 },
        async handle(event) {
          attempts.set(event.data.n, (attempts.get(event.data.n) ?? 0) + 1);
          if (event.data.poison) throw new Error('cannot digest this');
          handled.push(event.data.n);
        },
      },
    });
    const h = await start(fn, { logLevel: 'warn', logDestination: logs.stream });
    await h.append('poison-0', [
      { type: 'Item', data: { n: 0, poison: true } },
      { type: 'Item', data: { n: 100 } },
    ]);
    await h.eventually(() => (attempts.get(0) === 1 ? true : undefined));
    for (let n = 1; n <= 20; n++) await h.append(`poison-${n}`, [{ type: 'Item', data: { n } }]);
    await h.eventually(() => (handled.length >= 20 ? true : undefined));
    // The others went through while the poison waited; its stream's next event waits behind it.
    expect(handled).not.toContain(100);
    expect(await parkedCount(h, 'poison-test')).toBe(0n);
    await h.eventually(async () => ((await parkedCount(h, 'poison-test')) === 1n ? true : undefined));
    await h.eventually(() => (handled.includes(100) ? true : undefined));
    expect(attempts.get(0)).toBe(3);
    for (let n = 1; n <= 20; n++) expect(attempts.get(n)).toBe(1);
    const parking = logs.entries.find((e) => e.msg === 'parking an event whose retries are spent');
    expect(String(parking?.reason)).toMatch(/^retry budget spent after 3 attempts in [\d.]+ s \(maxAttempts 3\)$/);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metric(metrics, 'spillway_event_retries_total', 'type="Item"')).toBe(2);
    expect(metric(metrics, 'spillway_events_parked_total', 'reason="retries_exhausted"')).toBe(1);
    expect(metric(metrics, 'spillway_events_processed_total', 'outcome="acked"')).toBe(21);
  });

  test('a dependency that is down for 10 s parks nothing: events wait with backoff, then go through', async () => {
    let downUntil = Number.POSITIVE_INFINITY;
    const attempts = new Map<number, number>();
    const fn = defineFunction({
      name: 'outage-test',
      subscription: {
        source: { all: { streamNamePrefixes: ['outage-'] } },
        group: 'outage-test',
        events: { Item },
        // The default policy: what a function gets without declaring one.
        async handle(event) {
          attempts.set(event.data.n, (attempts.get(event.data.n) ?? 0) + 1);
          if (downUntil === Number.POSITIVE_INFINITY) downUntil = Date.now() + 10_000;
          if (Date.now() < downUntil) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        },
      },
    });
    const h = await start(fn);
    for (let n = 0; n < 5; n++) await h.append(`outage-${n}`, [{ type: 'Item', data: { n } }]);
    const waiting = await h.eventually(async () => {
      const value = metric(await (await fetch(`${h.url}/metrics`)).text(), 'spillway_events_waiting_retry', '');
      return value > 0 ? value : undefined;
    });
    expect(waiting).toBeGreaterThan(0);
    await h.eventually(async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      return metric(text, 'spillway_events_processed_total', 'outcome="acked"') === 5 ? true : undefined;
    }, 40_000);
    expect(await parkedCount(h, 'outage-test')).toBe(0n);
    // Backing off, an event is tried about ten times in ten seconds (a tight loop made ~100 attempts a second).
    for (let n = 0; n < 5; n++) expect(attempts.get(n)).toBeLessThanOrEqual(15);
  }, 60_000);

  test('an invalid payload and a PermanentError park at once; an unknown type is acknowledged and counted', async () => {
    const attempts: number[] = [];
    const logs = logCapture();
    const fn = defineFunction({
      name: 'sorting-test',
      subscription: {
        source: { all: { streamNamePrefixes: ['sorting-'] } },
        group: 'sorting-test',
        events: { Item },
        settings: { maxRetryCount: 5 },
        async handle(event) {
          attempts.push(event.data.n);
          if (event.data.permanent) throw new PermanentError('this item can never be handled');
        },
      },
    });
    const h = await start(fn, { logLevel: 'info', logDestination: logs.stream });
    await h.append('sorting-1', [{ type: 'Item', data: { n: 'one' } }]);
    await h.append('sorting-2', [{ type: 'Item', data: { n: 2, permanent: true } }]);
    await h.append('sorting-3', [{ type: 'SomethingElse', data: {} }]);
    await h.append('sorting-4', [{ type: 'Item', data: { n: 4 } }]);
    await h.eventually(async () => ((await parkedCount(h, 'sorting-test')) === 2n ? true : undefined));
    await h.eventually(() => (attempts.includes(4) ? true : undefined));
    expect(attempts.sort()).toEqual([2, 4]);
    const parking = logs.entries.find((e) => e.msg === 'parking an invalid event');
    expect(parking).toMatchObject({ fn: 'sorting-test', group: 'sorting-test', stream: 'sorting-1', type: 'Item' });
    expect(String(parking?.reason)).toMatch(/^invalid Item: n: /);
    const metrics = await h.eventually(async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      return metric(text, 'spillway_events_processed_total', 'outcome="unknown_type"') === 1 ? text : undefined;
    });
    expect(metric(metrics, 'spillway_events_parked_total', 'reason="invalid"')).toBe(1);
    expect(metric(metrics, 'spillway_events_parked_total', 'reason="permanent"')).toBe(1);
  });

  test('the skip hook sees unknown and invalid events in stream order; an unknown type is logged once', async () => {
    const seen: string[] = [];
    const logs = logCapture();
    const fn = defineFunction({
      name: 'skip-test',
      subscription: {
        source: { all: { streamNamePrefixes: ['skip-'] } },
        group: 'skip-test',
        events: { Item },
        async handle(event) {
          seen.push(`handle ${event.revision}`);
        },
        async skip(event) {
          seen.push(`skip ${event.revision} ${event.type} ${event.reason}`);
        },
      },
    });
    const h = await start(fn, { logLevel: 'info', logDestination: logs.stream });
    await h.append('skip-1', [
      { type: 'Item', data: { n: 0 } },
      { type: 'NoteAdded', data: {} },
      { type: 'Item', data: { n: 'two' } },
      { type: 'NoteAdded', data: {} },
      { type: 'Item', data: { n: 4 } },
    ]);
    await h.eventually(() => (seen.length === 5 ? true : undefined));
    expect(seen).toEqual(['handle 0', 'skip 1 NoteAdded unknown_type', 'skip 2 Item invalid', 'skip 3 NoteAdded unknown_type', 'handle 4']);
    await h.eventually(async () => ((await parkedCount(h, 'skip-test')) === 1n ? true : undefined));
    expect(
      logs.entries.filter((e) => e.type === 'NoteAdded' && String(e.msg).startsWith('skipping events of an unknown type')),
    ).toHaveLength(1);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metric(metrics, 'spillway_events_unknown_type_total', 'where="subscription"')).toBe(2);
  });

  test('a handler that outlives its timeout counts as a failure and is retried', async () => {
    let calls = 0;
    const fn = defineFunction({
      name: 'timeout-test',
      subscription: {
        source: { all: { streamNamePrefixes: ['slow-'] } },
        group: 'timeout-test',
        events: { Item },
        timeoutMs: 100,
        async handle(_event, ctx) {
          calls++;
          if (calls === 1) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        },
      },
    });
    const h = await start(fn);
    await h.append('slow-1', [{ type: 'Item', data: { n: 1 } }]);
    await h.eventually(async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      return metric(text, 'spillway_events_processed_total', 'outcome="acked"') === 1 ? true : undefined;
    });
    expect(calls).toBe(2);
  });

  test('a redelivered event writes its effects once, with correlation and causation metadata', async () => {
    let calls = 0;
    const fold = { initialState: () => 0, evolve: (count: number) => count + 1 };
    const fn = defineFunction({
      name: 'effects-test',
      subscription: {
        source: { all: { streamNamePrefixes: ['cause-'] } },
        group: 'effects-test',
        events: { Item },
        async handle(event, ctx) {
          calls++;
          await ctx.eventStore.decideAndAppend(`effect-${event.data.n}`, fold, () => [{ type: 'Effected', data: { n: event.data.n } }]);
          // Fail after the effect is written: the redelivery must not write it again.
          if (calls === 1) throw new Error('crashed after writing');
        },
      },
    });
    const h = await start(fn);
    await h.append('cause-1', [{ type: 'Item', data: { n: 1 }, metadata: { $correlationId: 'corr-1' } }]);
    await h.eventually(() => (calls >= 2 ? true : undefined));
    const [cause] = await h.read('cause-1');
    const effects = await h.eventually(async () => {
      const events = await h.read('effect-1');
      return events.length > 0 ? events : undefined;
    });
    expect(effects).toHaveLength(1);
    expect(effects[0]?.metadata).toMatchObject({ $correlationId: 'corr-1', $causationId: cause?.id });
  });

  test('a handler gets its context as an instance with shared getters, and ctx.readModel throws without a read model', async () => {
    // V8 gives an object literal with getters a map of its own each time, and what the getters reach then
    // survives minor GCs (runtime README, Performance); getters on a shared prototype do not.
    const seen: HandlerContext<undefined>[] = [];
    const readModelErrors: string[] = [];
    const fn = defineFunction({
      name: 'context-test',
      subscription: {
        source: { all: { streamNamePrefixes: ['ctx-'] } },
        group: 'context-test',
        events: { Item },
        async handle(_event, ctx) {
          seen.push(ctx);
          expect(ctx.signal.aborted).toBe(false);
          try {
            void ctx.readModel;
          } catch (err) {
            readModelErrors.push((err as Error).message);
          }
        },
      },
    });
    const h = await start(fn);
    await h.append('ctx-1', [{ type: 'Item', data: { n: 1 } }]);
    await h.append('ctx-2', [{ type: 'Item', data: { n: 2 } }]);
    await h.eventually(() => (seen.length >= 2 ? true : undefined));
    expect(seen.map(ownGetters)).toEqual([[], []]);
    expect(Object.getPrototypeOf(seen[0])).toBe(Object.getPrototypeOf(seen[1]));
    expect(Object.getPrototypeOf(seen[0])).not.toBe(Object.prototype);
    expect(readModelErrors).toEqual(["function 'context-test' declares no readModel", "function 'context-test' declares no readModel"]);
  });

  test("handles at most `concurrency` events at once, and one stream's events in order", async () => {
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const fn = defineFunction({
      name: 'bounded-test',
      subscription: {
        source: { all: { streamNamePrefixes: ['bounded-'] } },
        group: 'bounded-test',
        events: { Item },
        concurrency: 3,
        async handle(event) {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (event.streamId === 'bounded-ordered') order.push(event.data.n);
          running--;
        },
      },
    });
    const h = await start(fn);
    await h.append(
      'bounded-ordered',
      Array.from({ length: 10 }, (_, n) => ({ type: 'Item', data: { n } })),
    );
    for (let n = 0; n < 20; n++) await h.append(`bounded-${n}`, [{ type: 'Item', data: { n } }]);
    await h.eventually(async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      return metric(text, 'spillway_events_processed_total', 'outcome="acked"') === 30 ? true : undefined;
    });
    expect(peak).toBe(3);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('two replicas share one group without handling an acknowledged event twice', async () => {
    const handled: { replica: string; id: string }[] = [];
    const replica = (name: string) =>
      defineFunction({
        name: 'shared-test',
        async init() {
          return { name };
        },
        subscription: {
          source: { all: { streamNamePrefixes: ['shared-'] } },
          group: 'shared-test',
          events: { Item },
          concurrency: 2,
          async handle(event, ctx) {
            handled.push({ replica: ctx.deps.name, id: event.id });
            await new Promise((resolve) => setTimeout(resolve, 2));
          },
        },
      });
    const a = await start(replica('a'));
    await start(replica('b'));
    for (let n = 0; n < 60; n++) await a.append(`shared-${n}`, [{ type: 'Item', data: { n } }]);
    await a.eventually(() => (new Set(handled.map((h) => h.id)).size === 60 ? true : undefined));
    await a.eventually(async () => {
      const info = await a.client.getPersistentSubscriptionToAllInfo('shared-test');
      return info.stats.totalInFlightMessages === 0 ? true : undefined;
    });
    expect(handled).toHaveLength(60);
    expect(handled.filter((h) => h.replica === 'a').length).toBeGreaterThan(0);
    expect(handled.filter((h) => h.replica === 'b').length).toBeGreaterThan(0);
  });
});
