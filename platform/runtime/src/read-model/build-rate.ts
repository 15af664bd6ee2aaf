// Long enough to smooth batch-by-batch jumps, short enough that the ETA follows a change of pace.
const WINDOW_MS = 15_000;

/** Events per second a build applies, from (time, replayed) samples over a sliding window. */
export class BuildRate {
  private readonly samples: { at: number; replayed: number }[] = [];

  sample(at: number, replayed: number): void {
    this.samples.push({ at, replayed });
    while (this.samples.length > 2 && (this.samples[0]?.at ?? at) < at - WINDOW_MS) this.samples.shift();
  }

  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    return Math.max(0, ((last.replayed - first.replayed) * 1000) / (last.at - first.at));
  }
}
