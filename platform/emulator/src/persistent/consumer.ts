import type { OutstandingMessage } from './messages';

/** Latency measurements kept when a group has `extraStatistics` (the real server keeps the last 1,000 per connection). */
const MEASUREMENT_WINDOW = 1_000;

/**
 * One connected Read call: its in-flight window (the client's buffer size), the
 * messages it has not acknowledged yet, and its counters for GetInfo.
 */
export class Consumer {
  readonly unconfirmed = new Map<string, OutstandingMessage>();
  totalItems = 0;
  lastTotalItems = 0;
  /** Set by pinned strategies to learn when a bucket's message is settled. */
  onConfirmed: ((consumer: Consumer, message: OutstandingMessage) => void) | undefined;
  private available: number;
  private readonly started = new Map<string, number>();
  private readonly durations: number[] = [];

  constructor(
    readonly id: number,
    readonly maxInFlight: number,
    readonly connectionName: string,
    readonly from: string,
    readonly username: string,
    private readonly deliver: (message: OutstandingMessage) => void,
    private readonly measure: boolean,
  ) {
    this.available = maxInFlight;
  }

  get availableSlots(): number {
    return this.available;
  }

  get inFlight(): number {
    return this.unconfirmed.size;
  }

  /** Sends the message if the window has room. */
  push(message: OutstandingMessage): boolean {
    if (this.available <= 0) return false;
    this.available--;
    this.totalItems++;
    if (this.measure) this.started.set(message.id, performance.now());
    this.deliver(message);
    if (!this.unconfirmed.has(message.id)) this.unconfirmed.set(message.id, message);
    return true;
  }

  /** Settles a message this consumer had in flight (ack, nack, timeout or retry); false when it was not this consumer's. */
  confirm(id: string): boolean {
    if (this.measure) {
      const start = this.started.get(id);
      if (start !== undefined) {
        this.started.delete(id);
        this.durations.push(performance.now() - start);
        if (this.durations.length > MEASUREMENT_WINDOW) this.durations.shift();
      }
    }
    const message = this.unconfirmed.get(id);
    if (message === undefined) return false;
    this.unconfirmed.delete(id);
    this.available++;
    this.onConfirmed?.(this, message);
    return true;
  }

  /**
   * Processing times as EventStoreDB's RequestStatistics.GetMeasurementDetails reports them: whole
   * milliseconds (truncated), an integer mean, then median, fastest, five quintiles and the upper
   * percentiles, each `sorted[floor(p * n)]` capped at the last. Empty without extra statistics.
   */
  measurements(): { key: string; value: number }[] {
    if (!this.measure || this.durations.length === 0) return [];
    const sorted = this.durations.map(Math.trunc).sort((a, b) => a - b);
    const n = sorted.length;
    // Tenths of a percent keep the index exact (the real server computes it in decimal).
    const at = (percent: number): number => sorted[Math.min(n - 1, Math.floor((Math.round(percent * 10) * n) / 1000))]!;
    const quintiles = [0, 1, 2, 3, 4].map((i) => ({ key: `Quintile ${i + 1}`, value: at(i * 20) }));
    return [
      { key: 'Mean', value: Math.trunc(sorted.reduce((sum, d) => sum + d, 0) / n) },
      { key: 'Median', value: sorted[Math.floor(n / 2)]! },
      { key: 'Fastest', value: sorted[0]! },
      ...quintiles,
      { key: '90%', value: at(90) },
      { key: '95%', value: at(95) },
      { key: '99%', value: at(99) },
      { key: '99.5%', value: at(99.5) },
      { key: '99.9%', value: at(99.9) },
      { key: 'Highest', value: sorted[n - 1]! },
    ];
  }
}
