import { type CheckpointState, decideCheckpoint } from './checkpoint';

const bounds = { checkPointAfterMs: 2_000, minCheckPointCount: 10, maxCheckPointCount: 100 };
const state = (changes: Partial<CheckpointState>): CheckpointState => ({
  lowestPending: undefined,
  lastKnownSequence: -1,
  lastKnownPosition: undefined,
  lastCheckpointedSequence: -1,
  lastCheckpointTime: 0,
  ...changes,
});

describe('decideCheckpoint', () => {
  test('nothing delivered yet: no checkpoint', () => {
    expect(decideCheckpoint(state({}), bounds, 10_000, true)).toBeUndefined();
  });

  test('on a tick after checkPointAfter, with at least the lower bound settled, checkpoints the last delivered position', () => {
    const s = state({ lastKnownSequence: 14, lastKnownPosition: 14n });
    expect(decideCheckpoint(s, bounds, 10_000, true)).toEqual({ sequence: 14, position: 14n });
  });

  test('below the lower bound the tick writes nothing', () => {
    const s = state({ lastKnownSequence: 5, lastKnownPosition: 5n, lastCheckpointedSequence: -1 });
    expect(decideCheckpoint(s, bounds, 10_000, true)).toBeUndefined();
  });

  test('an ack (not a tick) writes only at the upper bound, whatever the time', () => {
    expect(decideCheckpoint(state({ lastKnownSequence: 50, lastKnownPosition: 50n }), bounds, 10_000, false)).toBeUndefined();
    expect(decideCheckpoint(state({ lastKnownSequence: 99, lastKnownPosition: 99n }), bounds, 1, false)).toEqual({
      sequence: 99,
      position: 99n,
    });
  });

  test('before checkPointAfter has passed a tick waits even above the lower bound', () => {
    const s = state({ lastKnownSequence: 50, lastKnownPosition: 50n, lastCheckpointTime: 9_000 });
    expect(decideCheckpoint(s, bounds, 10_000, true)).toBeUndefined();
  });

  test('stays before the lowest unacknowledged message', () => {
    const s = state({ lowestPending: { sequence: 20, previousPosition: 40n }, lastKnownSequence: 200, lastKnownPosition: 400n });
    expect(decideCheckpoint(s, bounds, 10_000, true)).toEqual({ sequence: 19, position: 40n });
  });

  test('the very first message still pending holds the checkpoint back', () => {
    const s = state({ lowestPending: { sequence: 0, previousPosition: undefined }, lastKnownSequence: 200, lastKnownPosition: 400n });
    expect(decideCheckpoint(s, bounds, 10_000, true)).toBeUndefined();
  });

  test('checkPointAfter 0 means never by time: only the upper bound writes', () => {
    const never = { ...bounds, checkPointAfterMs: 0 };
    expect(decideCheckpoint(state({ lastKnownSequence: 50, lastKnownPosition: 50n }), never, 1e12, true)).toBeUndefined();
    expect(decideCheckpoint(state({ lastKnownSequence: 100, lastKnownPosition: 100n }), never, 1e12, true)).toBeDefined();
  });
});
