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

  /** Processing-time percentiles in milliseconds, named as the real server names them; empty without extra statistics. */
  measurements(): { key: string; value: number }[] {
    if (!this.measure || this.durations.length === 0) return [];
    const sorted = [...this.durations].sort((a, b) => a - b);
    const at = (fraction: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!);
    const mean = Math.round(sorted.reduce((sum, d) => sum + d, 0) / sorted.length);
    return [
      { key: 'Mean', value: mean },
      { key: 'Median', value: at(0.5) },
      { key: 'Fastest', value: Math.round(sorted[0]!) },
      { key: '90%', value: at(0.9) },
      { key: '95%', value: at(0.95) },
      { key: '99%', value: at(0.99) },
      { key: '99.5%', value: at(0.995) },
      { key: '99.9%', value: at(0.999) },
      { key: 'Highest', value: Math.round(sorted[sorted.length - 1]!) },
    ];
  }
}
