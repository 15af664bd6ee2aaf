import { type ApplyOutcome, applyEvent, applyEvents, EventAheadError, type EventChanges } from './apply-changes';
import type { SqlDatabase } from './sql-database';

// Bounds one transaction's work (and the rows it locks). The runtime hands over at most its concurrency's
// worth of events at a time (100 live, 200 for a read-model build), so live batches do not reach it.
const MAX_BATCH = 500;
// A projector that committed within the last BUSY_MS is taking a stream of events: the first event of its
// next batch waits up to GATHER_MS for the ones behind it, so a steady flow commits several events per
// transaction instead of one (on PGlite a transaction's fixed cost is several times an extra event's). The
// wait ends early once the flow pauses: no event for QUIET_GAPS times the mean gap between arrivals, at least
// QUIET_MS (a fixed QUIET_MS alone, shorter than the gaps of a steady flow at a few hundred events a second,
// ended nearly every gathering with one event). An idle projector, whose last commit is older, still applies
// an event at once.
const BUSY_MS = 20;
const GATHER_MS = 10;
const QUIET_MS = 1;
const QUIET_GAPS = 3;
// The mean gap between arrivals, smoothed over about the last 1 / GAP_SMOOTHING of them.
const GAP_SMOOTHING = 0.2;
// Near saturation the events come in bursts, as many as the runtime may hold at once, and no more until those
// commit: the gap between bursts is a commit and its acks, not a pause in the flow, and waiting it out only
// stalls the projector. So a projector that spent more than MAX_GATHER_LOAD of the last LOAD_WINDOW_MS
// committing waits no longer than QUIET_MS. Measured (bench:shop at 400 orders/s, e2e p99): without this rule
// 6.7-11 s in 6 runs (waiting took 30-60 % of the projector's time), with it 0.35-10.8 s in 7, and with the
// fixed 1 ms pause alone 0.26-9.6 s in 10.
const MAX_GATHER_LOAD = 0.5;
const LOAD_WINDOW_MS = 500;

export interface GatherTiming {
  readonly busyMs: number;
  readonly gatherMs: number;
  /** The shortest pause that ends a gathering. */
  readonly quietMs: number;
  /** A pause of this many mean gaps between arrivals ends a gathering too, when longer than quietMs (0: never). */
  readonly quietGaps?: number;
  /** Above this share of recent time spent committing, only quietMs applies (default: no limit). */
  readonly maxLoad?: number;
}

interface Waiting {
  readonly event: EventChanges;
  resolve(outcome: ApplyOutcome): void;
  reject(err: unknown): void;
}

/**
 * Applies the events handed to it in one transaction per batch: whatever arrives while a
 * transaction runs goes into the next one (group commit), so a busy projector commits once per
 * batch instead of once per event, and an idle one still applies each event at once. An event
 * ahead of its stream's gap gets its error and the rest of its batch commits; a failing statement
 * rolls its whole batch back, which is then applied one event per transaction, so only the event
 * at fault sees the error and the others are acked as usual.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  private draining = false;
  /** When the last batch committed (performance.now()); -Infinity before the first. */
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  /** While a busy projector gathers: when the gathering must end. */
  private gather?: { readonly until: number };
  /** When the latest event came (performance.now()), and the smoothed gap between arrivals, in ms. */
  private lastArrival = Number.NEGATIVE_INFINITY;
  private meanGap: number | undefined;
  /** Time spent committing, decaying over LOAD_WINDOW_MS, as of loadAt: load / LOAD_WINDOW_MS is the recent share. */
  private load = 0;
  private loadAt = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly timing: GatherTiming = {
      busyMs: BUSY_MS,
      gatherMs: GATHER_MS,
      quietMs: QUIET_MS,
      quietGaps: QUIET_GAPS,
      maxLoad: MAX_GATHER_LOAD,
    },
  ) {}

  apply(event: EventChanges): Promise<ApplyOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      const now = performance.now();
      // A gap longer than the window is a stop between flows, not a gap within one: it is not counted.
      const gap = now - this.lastArrival;
      if (gap <= this.timing.gatherMs)
        this.meanGap = this.meanGap === undefined ? gap : this.meanGap + GAP_SMOOTHING * (gap - this.meanGap);
      this.lastArrival = now;
      if (this.draining) return;
      this.draining = true;
      // The other events delivered in this turn of the event loop (and, when busy, those right behind
      // them) join the first batch.
      if (now - this.lastCommitAt < this.timing.busyMs) {
        this.gather = { until: now + this.timing.gatherMs };
        setTimeout(() => this.gathered(), this.quiet());
      } else setImmediate(() => void this.drain());
    });
  }

  /** How long without an event counts as a pause in the flow. */
  private quiet(): number {
    if (this.recentLoad(performance.now()) > (this.timing.maxLoad ?? Number.POSITIVE_INFINITY)) return this.timing.quietMs;
    return Math.min(this.timing.gatherMs, Math.max(this.timing.quietMs, (this.timing.quietGaps ?? 0) * (this.meanGap ?? 0)));
  }

  /** Commits once the window has passed or the flow has paused; otherwise looks again when the pause would be long enough. */
  private gathered(): void {
    const gather = this.gather!;
    const now = performance.now();
    const quietFor = now - this.lastArrival;
    const quiet = this.quiet();
    if (now < gather.until && quietFor < quiet) {
      setTimeout(() => this.gathered(), Math.min(quiet - quietFor, gather.until - now));
      return;
    }
    this.gather = undefined;
    void this.drain();
  }

  /** The share of the last LOAD_WINDOW_MS or so spent committing (decayed exponentially). */
  private recentLoad(now: number): number {
    this.load *= Math.exp((this.loadAt - now) / LOAD_WINDOW_MS);
    this.loadAt = now;
    return this.load / LOAD_WINDOW_MS;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      const startedAt = performance.now();
      await this.commit(batch);
      this.lastCommitAt = performance.now();
      this.recentLoad(this.lastCommitAt);
      this.load += this.lastCommitAt - startedAt;
    }
    this.draining = false;
  }

  private async commit(batch: readonly Waiting[]): Promise<void> {
    try {
      const outcomes = await applyEvents(
        this.db,
        batch.map((w) => w.event),
      );
      for (const [i, w] of batch.entries()) {
        const outcome = outcomes[i];
        if (outcome instanceof EventAheadError) w.reject(outcome);
        else w.resolve(outcome as ApplyOutcome);
      }
      return;
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
    }
    for (const w of batch) {
      try {
        w.resolve(await applyEvent(this.db, w.event, w.event.changes));
      } catch (err) {
        w.reject(err);
      }
    }
  }
}
