import type { ScaleTarget } from '../targets/scale-target';

/** A scale target that only remembers: for tests of the loop and of KEDA's endpoints, where applying is not under test. */
export class RecordingScaleTarget implements ScaleTarget {
  readonly history: number[] = [];

  constructor(public replicas = 0) {}

  async currentReplicas(): Promise<number> {
    return this.replicas;
  }

  async scale(replicas: number): Promise<void> {
    this.replicas = replicas;
    this.history.push(replicas);
  }
}
