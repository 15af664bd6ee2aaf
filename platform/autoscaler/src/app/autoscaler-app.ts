import { EventStoreDBClient } from '@eventstore/db-client';
import type { KubeConfig } from '@kubernetes/client-node';
import { type ConsoleApp, createConsoleApp } from '@spillway/console';
import type { Logger } from 'pino';
import { type ExternalScalerServer, startExternalScaler } from '../keda/external-scaler';
import { type HttpApi, startHttpApi } from '../keda/http-api';
import { eventStoreLagSources } from '../lag/eventstore-lag-sources';
import { LeaseElector } from '../leader/lease-elector';
import { Scaler } from '../loop/scaler';
import { AutoscalerMetrics } from '../metrics/autoscaler-metrics';
import { KubernetesWorkloads } from '../targets/kubernetes/kubernetes-workloads';
import { clusterConsoleFunctions } from './cluster-console';

export interface AutoscalerAppOptions {
  readonly esdbConnectionString: string;
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly intervalMs: number;
  readonly dryRun: boolean;
  /** HTTP: /metrics, /healthz, /keda/lag, and the console at /console. */
  readonly port: number;
  /**
   * The console on the HTTP port, from what the loop measures (`kubectl port-forward` shows the system).
   * Read-only unless `allowReplay`: replaying parked messages changes what the functions receive. Absent: no console.
   */
  readonly console?: { readonly allowReplay: boolean };
  /** KEDA external scaler gRPC service. */
  readonly grpcPort: number;
  readonly host?: string;
  readonly failureThreshold: number;
  readonly scanCap?: number;
  /** Several replicas: only the holder of this Lease applies decisions; every replica measures and serves KEDA. */
  readonly leaderElection?: {
    /** Where the Lease lives: the autoscaler's own namespace. */
    readonly namespace: string;
    readonly leaseName: string;
    readonly identity: string;
    readonly leaseDurationMs: number;
    readonly renewDeadlineMs: number;
    readonly retryPeriodMs: number;
  };
  readonly log: Logger;
}

export interface AutoscalerApp {
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly scaler: Scaler;
  stop(): Promise<void>;
}

/** The in-cluster autoscaler: watch annotated Deployments, measure, decide, patch `/scale`; serve metrics and KEDA. */
export async function startAutoscalerApp(options: AutoscalerAppOptions): Promise<AutoscalerApp> {
  const { log } = options;
  const client = EventStoreDBClient.connectionString(options.esdbConnectionString);
  const metrics = new AutoscalerMetrics();
  const election = options.leaderElection;
  const elector =
    election === undefined
      ? undefined
      : new LeaseElector({
          kubeConfig: options.kubeConfig,
          ...election,
          log,
          onChange: (leading) => metrics.leader.set(leading ? 1 : 0),
        });
  metrics.leader.set(elector ? 0 : 1);
  const scaler = new Scaler({
    lagSource: eventStoreLagSources(client, options.scanCap !== undefined ? { scanCap: options.scanCap } : {}),
    log,
    metrics,
    dryRun: options.dryRun,
    failureThreshold: options.failureThreshold,
    ...(elector ? { leadership: elector } : {}),
  });
  const workloads = new KubernetesWorkloads(
    options.kubeConfig,
    options.namespace,
    scaler,
    log,
    `spillway-autoscaler (${election?.identity ?? 'single'})`,
  );
  let http: HttpApi | undefined;
  let grpc: ExternalScalerServer | undefined;
  let consoleApp: ConsoleApp | undefined;
  let ready = false;
  try {
    const readiness = () => ready;
    consoleApp = options.console
      ? await createConsoleApp({
          client,
          functions: clusterConsoleFunctions(scaler),
          allowReplay: options.console.allowReplay,
          host: 'autoscaler',
        })
      : undefined;
    http = await startHttpApi({
      scaler,
      metrics,
      log,
      defaultNamespace: options.namespace,
      host: options.host,
      port: options.port,
      ready: readiness,
      ...(consoleApp ? { console: consoleApp.handle } : {}),
    });
    grpc = await startExternalScaler({ scaler, log, host: options.host, port: options.grpcPort });
    await workloads.start();
  } catch (err) {
    await Promise.allSettled([workloads.stop(), http?.close(), grpc?.close(), consoleApp?.close()]);
    await client.dispose();
    throw err;
  }
  elector?.start();
  scaler.start(options.intervalMs);
  ready = true;
  log.info(
    {
      namespace: options.namespace,
      intervalMs: options.intervalMs,
      dryRun: options.dryRun,
      httpPort: http.port,
      console: options.console ? (options.console.allowReplay ? 'replay allowed' : 'read-only') : 'off',
      grpcPort: grpc.port,
      ...(election ? { identity: election.identity, lease: `${election.namespace}/${election.leaseName}` } : {}),
    },
    'autoscaler started',
  );
  const [httpPort, grpcPort] = [http.port, grpc.port];
  return {
    httpPort,
    grpcPort,
    scaler,
    async stop() {
      await workloads.stop();
      await scaler.stop();
      // After the loop stopped, so no write follows the release.
      await elector?.stop();
      await Promise.allSettled([http?.close(), grpc?.close(), consoleApp?.close()]);
      await client.dispose();
    },
  };
}
