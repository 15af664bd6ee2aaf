import { machineShares, parseMachineCpu } from './process-cpu';

describe('machine CPU shares from /proc/stat', () => {
  it('reads busy, idle and steal ticks off the cpu line, not a core line', () => {
    const text = ['cpu  100 5 20 800 40 3 2 30 0 0', 'cpu0 50 2 10 400 20 1 1 15 0 0', 'intr 12345'].join('\n');
    expect(parseMachineCpu(text)).toEqual({ busy: 100 + 5 + 20 + 3 + 2, idle: 800 + 40, steal: 30 });
  });

  it('gives no reading for text without a cpu line', () => {
    expect(parseMachineCpu('intr 1\nctxt 2\n')).toBeUndefined();
  });

  it('gives no reading for a cpu line it cannot read, rather than NaN', () => {
    expect(parseMachineCpu('cpu  100 x 20 800\n')).toBeUndefined();
    expect(parseMachineCpu('cpu  100 5\n')).toBeUndefined();
  });

  it('puts busy and steal as shares of all the time between two readings', () => {
    const before = { busy: 1000, idle: 5000, steal: 100 };
    const after = { busy: 1600, idle: 5200, steal: 300 };
    // 600 busy, 200 idle, 200 stolen out of 1,000 ticks.
    expect(machineShares(before, after)).toEqual({ busyPct: 60, stealPct: 20 });
  });

  it('gives no shares when no time passed', () => {
    const same = { busy: 1, idle: 2, steal: 3 };
    expect(machineShares(same, same)).toBeUndefined();
  });
});
