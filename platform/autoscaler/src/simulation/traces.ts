/** An arrival-rate trace: events per second at each whole second, over `seconds`. */
export interface Trace {
  readonly name: string;
  readonly seconds: number;
  rate(second: number): number;
}

/** Small deterministic noise (xorshift32), so estimators see uneven readings without making runs differ. */
function noise(seed: number): (second: number) => number {
  const values: number[] = [];
  let x = seed >>> 0 || 1;
  return (second) => {
    while (values.length <= second) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      values.push(x / 0xffffffff - 0.5);
    }
    return values[second] ?? 0;
  };
}

const HOUR = 3600;
/** +-10 % jitter on every trace. */
const JITTER = 0.2;

function withJitter(name: string, seed: number, base: (second: number) => number): Trace {
  const n = noise(seed);
  return { name, seconds: HOUR, rate: (second) => Math.max(0, base(second) * (1 + JITTER * n(second))) };
}

/** The four shapes the benchmark compares on: a step up and down, a short spike, a sawtooth and a compressed day. */
export const traces: readonly Trace[] = [
  withJitter('step', 1, (t) => (t >= 600 && t < 2400 ? 120 : 10)),
  withJitter('spike', 2, (t) => (t >= 1200 && t < 1260 ? 400 : 10)),
  withJitter('sawtooth', 3, (t) => 10 + (150 * (t % 600)) / 600),
  withJitter('diurnal', 4, (t) => 10 + (140 * (1 - Math.cos((2 * Math.PI * t) / HOUR))) / 2),
];
