/** Where a decision is applied: a Kubernetes Deployment's `/scale`, or a local process pool. */
export interface ScaleTarget {
  /** Replicas asked for now (the spec, not what is ready). */
  currentReplicas(): Promise<number>;
  scale(replicas: number): Promise<void>;
}
