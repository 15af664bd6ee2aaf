import type { RecordedEvent } from '../store/store';
import { Consumer } from './consumer';
import { createStrategy } from './consumer-strategies';
import { newMessage, type OutstandingMessage } from './messages';
import type { ConsumerStrategyName } from './settings';

let nextId = 0;
function message(streamId: string, metadata?: object): OutstandingMessage {
  const n = nextId++;
  const record: RecordedEvent = {
    streamId,
    revision: BigInt(n),
    position: BigInt(n),
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type: 'Tested',
    contentType: 'application/json',
    data: new Uint8Array(),
    metadata: metadata === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(metadata)),
    created: 0n,
  };
  return newMessage({ event: record, link: undefined, original: record }, record.position);
}

function setup(name: ConsumerStrategyName, windows: number[]) {
  const strategy = createStrategy(name);
  const received = windows.map(() => [] as OutstandingMessage[]);
  const consumers = windows.map((size, i) => new Consumer(i, size, `c${i}`, '', 'anonymous', (m) => received[i]!.push(m), false));
  for (const c of consumers) strategy.added(c);
  return { strategy, received, consumers };
}

describe('consumer strategies', () => {
  test('RoundRobin deals messages to consumers in turn', () => {
    const { strategy, received } = setup('RoundRobin', [10, 10, 10]);
    for (let i = 0; i < 9; i++) expect(strategy.push(message('s'))).toBe('sent');
    expect(received.map((r) => r.length)).toEqual([3, 3, 3]);
  });

  test('DispatchToSingle fills the first consumer before the next, and reports full when all are', () => {
    const { strategy, received } = setup('DispatchToSingle', [3, 3, 3]);
    for (let i = 0; i < 7; i++) strategy.push(message('s'));
    expect(received.map((r) => r.length)).toEqual([3, 3, 1]);
    strategy.push(message('s'));
    strategy.push(message('s'));
    expect(strategy.push(message('s'))).toBe('full');
  });

  test('Pinned sends every event of one stream to one consumer and spreads streams', () => {
    const { strategy, received } = setup('Pinned', [1000, 1000, 1000]);
    for (let round = 0; round < 5; round++) for (let s = 0; s < 30; s++) strategy.push(message(`order-${s}`));
    for (const r of received) {
      const streams = new Set(r.map((m) => m.resolved.original.streamId));
      for (const other of received) if (other !== r) for (const m of other) expect(streams.has(m.resolved.original.streamId)).toBe(false);
    }
    expect(received.filter((r) => r.length > 0).length).toBe(3);
  });

  test('Pinned passes over a message whose consumer is full (it stays buffered)', () => {
    const { strategy, received } = setup('Pinned', [1, 1]);
    expect(strategy.push(message('a'))).toBe('sent');
    const owner = received.findIndex((r) => r.length === 1);
    expect(strategy.push(message('a'))).toBe('skipped');
    expect(received[owner]!.length).toBe(1);
  });

  test('PinnedByCorrelation pins by $correlationId across streams', () => {
    const { strategy, received } = setup('PinnedByCorrelation', [1000, 1000, 1000]);
    for (let s = 0; s < 20; s++) strategy.push(message(`stream-${s}`, { $correlationId: 'one-saga' }));
    expect(received.filter((r) => r.length > 0).map((r) => r.length)).toEqual([20]);
  });

  test("a removed consumer's pinned streams move to the remaining ones", () => {
    const { strategy, received, consumers } = setup('Pinned', [1000, 1000]);
    for (let s = 0; s < 20; s++) strategy.push(message(`x-${s}`));
    const gone = received[0]!.length > 0 ? 0 : 1;
    strategy.removed(consumers[gone]!);
    const before = received[1 - gone]!.length;
    for (let s = 0; s < 20; s++) expect(strategy.push(message(`x-${s}`))).toBe('sent');
    expect(received[1 - gone]!.length).toBe(before + 20);
  });
});
