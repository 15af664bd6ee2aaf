import { AppsV1Api, type KubeConfig, ListWatch, type V1Deployment, Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type ParsedAnnotations, parseScalingAnnotations } from '../../annotations/annotations';

/** Pause before re-listing after the watch fails hard (the client already retries timeouts and 410s itself). */
export const WATCH_RESTART_DELAY_MS = 2_000;

/** A Deployment as the watcher reports it: its name and what its annotations say. */
export interface WatchedDeployment {
  readonly namespace: string;
  readonly name: string;
  readonly parsed: ParsedAnnotations;
  /** `spec.replicas` (Kubernetes defaults it to 1 when unset). */
  readonly replicas: number;
}

export interface DeploymentEvents {
  /** Called on add and on every change, with the annotations parsed. */
  changed(deployment: WatchedDeployment): void;
  removed(namespace: string, name: string): void;
}

/**
 * Lists and watches the Deployments of one namespace (needs get/list/watch on deployments) and
 * reports each with its parsed `spillway.dev/*` annotations.
 */
export class DeploymentWatcher {
  private informer?: ListWatch<V1Deployment>;
  private restartTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly events: DeploymentEvents,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const api = this.kc.makeApiClient(AppsV1Api);
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(this.namespace)}/deployments`;
    const informer = new ListWatch<V1Deployment>(
      path,
      new Watch(this.kc),
      () => api.listNamespacedDeployment({ namespace: this.namespace }),
      false,
    );
    const report = (d: V1Deployment) => {
      const name = d.metadata?.name;
      if (!name) return;
      this.events.changed({
        namespace: d.metadata?.namespace ?? this.namespace,
        name,
        parsed: parseScalingAnnotations(d.metadata?.annotations),
        replicas: d.spec?.replicas ?? 1,
      });
    };
    informer.on('add', report);
    informer.on('update', report);
    informer.on('delete', (d) => {
      if (d.metadata?.name) this.events.removed(d.metadata.namespace ?? this.namespace, d.metadata.name);
    });
    informer.on('error', (err) => {
      this.log.warn({ err, namespace: this.namespace }, 'watching deployments failed; restarting');
      if (this.stopped) return;
      this.restartTimer = setTimeout(() => {
        informer.start().catch((cause: unknown) => this.log.error({ err: cause }, 'restarting the deployment watch'));
      }, WATCH_RESTART_DELAY_MS);
    });
    this.informer = informer;
    await informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.informer?.stop();
  }
}
