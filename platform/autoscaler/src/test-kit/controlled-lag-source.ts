import type { LagMeasurement, LagSource } from '../lag/lag-source';

/**
 * A lag source whose readings a test sets: the seam between measuring and deciding. `fail(err)`
 * makes every reading throw until `set` is called again, as an unreachable EventStoreDB would.
 */
export class ControlledLagSource implements LagSource {
  readonly subscription: string;
  private reading: LagMeasurement;
  private failure?: Error;
  closed = false;
  readings = 0;

  constructor(subscription: string, lag = 0) {
    this.subscription = subscription;
    this.reading = ControlledLagSource.measurement(lag);
  }

  static measurement(lag: number, extra: Partial<LagMeasurement> = {}): LagMeasurement {
    return { lag, inFlight: 0, retryBuffer: 0, parked: 0, capped: false, groupExists: true, caughtUp: lag === 0, ...extra };
  }

  set(lag: number, extra: Partial<LagMeasurement> = {}): void {
    this.failure = undefined;
    this.reading = ControlledLagSource.measurement(lag, extra);
  }

  fail(error: Error): void {
    this.failure = error;
  }

  async getLag(): Promise<LagMeasurement> {
    this.readings++;
    if (this.failure) throw this.failure;
    return this.reading;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
