import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Scaler } from '../../loop/scaler';
import { DeploymentScaleTarget } from './deployment-scale-target';
import { DeploymentWatcher, type WatchedDeployment } from './deployment-watcher';

/**
 * Feeds the loop from the cluster: every Deployment of the namespace with valid `spillway.dev/*`
 * annotations becomes a workload scaled through its `/scale` subresource. A Deployment with an
 * invalid value is logged (deployment and key) and left alone; the others keep scaling.
 */
export class KubernetesWorkloads {
  private readonly watcher: DeploymentWatcher;
  private readonly api: AppsV1Api;
  /** Last problem logged per deployment, so a watch resync does not repeat the same complaint. */
  private readonly reported = new Map<string, string>();
  /** spec.replicas per deployment, as last seen by the watch. */
  private readonly replicas = new Map<string, number>();

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
    private readonly scaler: Scaler,
    private readonly log: Logger,
    /** User-Agent of the /scale writes (`spillway-autoscaler (<identity>)`). */
    private readonly userAgent?: string,
  ) {
    this.api = kc.makeApiClient(AppsV1Api);
    this.watcher = new DeploymentWatcher(
      kc,
      namespace,
      { changed: (d) => this.changed(d), removed: (ns, name) => this.removed(ns, name) },
      log,
    );
  }

  start(): Promise<void> {
    return this.watcher.start();
  }

  stop(): Promise<void> {
    return this.watcher.stop();
  }

  private changed(d: WatchedDeployment): void {
    const key = `${d.namespace}/${d.name}`;
    this.replicas.set(key, d.replicas);
    switch (d.parsed.kind) {
      case 'valid':
        this.reported.delete(key);
        this.scaler.upsert({
          namespace: d.namespace,
          name: d.name,
          spec: d.parsed.spec,
          target: new DeploymentScaleTarget(
            this.api,
            d.namespace,
            d.name,
            {
              get: () => this.replicas.get(key),
              set: (replicas) => this.replicas.set(key, replicas),
            },
            this.userAgent,
          ),
        });
        return;
      case 'invalid': {
        const summary = JSON.stringify(d.parsed.problems);
        if (this.reported.get(key) !== summary) {
          for (const problem of d.parsed.problems) {
            this.log.error(
              { namespace: d.namespace, deployment: d.name, key: problem.key },
              `invalid annotation ${problem.key}: ${problem.message}; deployment left alone`,
            );
          }
          this.reported.set(key, summary);
        }
        void this.scaler.remove(d.namespace, d.name);
        return;
      }
      case 'unmanaged':
        this.reported.delete(key);
        void this.scaler.remove(d.namespace, d.name);
        return;
      default: {
        const unknown: never = d.parsed;
        throw new Error(`unexpected annotations ${JSON.stringify(unknown)}`);
      }
    }
  }

  private removed(namespace: string, name: string): void {
    this.reported.delete(`${namespace}/${name}`);
    this.replicas.delete(`${namespace}/${name}`);
    void this.scaler.remove(namespace, name);
  }
}
