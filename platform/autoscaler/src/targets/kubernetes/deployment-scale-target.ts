import { type AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ScaleTarget } from '../scale-target';

/** Attempts on a resourceVersion conflict: client-go's retry.DefaultRetry takes 5 steps. */
export const CONFLICT_ATTEMPTS = 5;
/** Pause between conflict retries: client-go's default step is 10 ms; another writer is usually done by then. */
export const CONFLICT_BACKOFF_MS = 10;

const HTTP_CONFLICT = 409;

function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * A Deployment's `/scale` subresource: reads `spec.replicas`, and writes it with a merge patch
 * carrying the resourceVersion it read, so a concurrent change is a 409 and not a lost update;
 * a 409 re-reads and retries. Needs only get and patch on deployments/scale.
 */
export class DeploymentScaleTarget implements ScaleTarget {
  constructor(
    private readonly api: AppsV1Api,
    readonly namespace: string,
    readonly name: string,
    /** `spec.replicas` as the Deployment watch last saw it, updated on our own writes; saves one GET per workload per tick. */
    private readonly cache?: { get(): number | undefined; set(replicas: number): void },
    /** Sent as User-Agent on writes, so the API server's audit log names the replica that scaled. */
    private readonly userAgent?: string,
  ) {}

  async currentReplicas(): Promise<number> {
    const cached = this.cache?.get();
    if (cached !== undefined) return cached;
    try {
      const scale = await this.api.readNamespacedDeploymentScale({ name: this.name, namespace: this.namespace });
      return scale.spec?.replicas ?? 0;
    } catch (cause) {
      throw new Error(`reading the scale of deployment ${this.namespace}/${this.name}`, { cause });
    }
  }

  async scale(replicas: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const scale = await this.api.readNamespacedDeploymentScale({ name: this.name, namespace: this.namespace });
        if (scale.spec?.replicas === replicas) {
          this.cache?.set(replicas);
          return;
        }
        await this.api.patchNamespacedDeploymentScale(
          {
            name: this.name,
            namespace: this.namespace,
            body: { metadata: { resourceVersion: scale.metadata?.resourceVersion }, spec: { replicas } },
            fieldManager: 'spillway-autoscaler',
          },
          setHeaderOptions(
            'Content-Type',
            PatchStrategy.MergePatch,
            this.userAgent === undefined ? undefined : setHeaderOptions('User-Agent', this.userAgent),
          ),
        );
        // The watch will report it too; until then the next tick must not see the old count.
        this.cache?.set(replicas);
        return;
      } catch (cause) {
        if (statusCode(cause) === HTTP_CONFLICT && attempt < CONFLICT_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, CONFLICT_BACKOFF_MS));
          continue;
        }
        throw new Error(`scaling deployment ${this.namespace}/${this.name} to ${replicas} (attempt ${attempt})`, { cause });
      }
    }
  }
}
