import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Logger } from 'pino';
import type { Scaler } from '../loop/scaler';
import { MeasurementUnavailableError, UnknownWorkloadError, type WorkloadLag, workloadLag } from './workload-lag';

/** The metric name Spillway reports to KEDA; KEDA prefixes it per scaler. */
export const LAG_METRIC = 'spillway-lag';
/** How often StreamIsActive re-checks activity: KEDA's own pollingInterval defaults to 30 s, so this is well ahead of it. */
export const STREAM_IS_ACTIVE_INTERVAL_MS = 5_000;

export const PROTO_PATH = join(__dirname, 'externalscaler.proto');

interface ScaledObjectRef {
  name: string;
  namespace: string;
  scalerMetadata: Record<string, string>;
}

/** Loads KEDA's external scaler service definition (also what a test or KEDA-side client uses). */
export function loadExternalScalerPackage(): grpc.GrpcObject {
  const definition = protoLoader.loadSync(PROTO_PATH, { keepCase: true, longs: Number, defaults: true });
  return grpc.loadPackageDefinition(definition);
}

export interface ExternalScalerOptions {
  readonly scaler: Scaler;
  readonly log: Logger;
  readonly host?: string;
  readonly port: number;
  readonly streamIntervalMs?: number;
}

export interface ExternalScalerServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The Deployment a ScaledObject targets: `scalerMetadata.namespace`/`deployment`, else the ScaledObject's own namespace and name. */
const target = (ref: ScaledObjectRef) => ({
  namespace: ref.scalerMetadata?.['namespace'] || ref.namespace,
  deployment: ref.scalerMetadata?.['deployment'] || ref.name,
});

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof UnknownWorkloadError) return { code: grpc.status.NOT_FOUND, details: err.message };
  if (err instanceof MeasurementUnavailableError) return { code: grpc.status.UNAVAILABLE, details: err.message };
  return { code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

/**
 * KEDA's external scaler protocol over gRPC, so a ScaledObject can scale on Spillway's lag:
 * IsActive is lag > activation-lag, GetMetricSpec targets lag-per-replica, GetMetrics is the lag.
 */
export async function startExternalScaler(options: ExternalScalerOptions): Promise<ExternalScalerServer> {
  const pkg = loadExternalScalerPackage() as unknown as { externalscaler: { ExternalScaler: grpc.ServiceClientConstructor } };
  const lagOf = (ref: ScaledObjectRef): Promise<WorkloadLag> => {
    const { namespace, deployment } = target(ref);
    return workloadLag(options.scaler, namespace, deployment);
  };
  const unary =
    <Req, Res>(handler: (request: Req) => Promise<Res>) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      handler(call.request).then(
        (response) => callback(null, response),
        (err: unknown) => callback(toServiceError(err)),
      );
    };

  const implementation: grpc.UntypedServiceImplementation = {
    IsActive: unary(async (ref: ScaledObjectRef) => ({ result: (await lagOf(ref)).active })),
    GetMetricSpec: unary(async (ref: ScaledObjectRef) => {
      const lag = await lagOf(ref);
      return { metricSpecs: [{ metricName: LAG_METRIC, targetSize: lag.lagPerReplica, targetSizeFloat: lag.lagPerReplica }] };
    }),
    GetMetrics: unary(async (request: { scaledObjectRef: ScaledObjectRef; metricName: string }) => {
      const lag = await lagOf(request.scaledObjectRef);
      return { metricValues: [{ metricName: request.metricName || LAG_METRIC, metricValue: lag.lag, metricValueFloat: lag.lag }] };
    }),
    StreamIsActive: (call: grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>) => {
      let last: boolean | undefined;
      let timer: NodeJS.Timeout | undefined;
      let ended = false;
      const stop = () => {
        ended = true;
        if (timer) clearTimeout(timer);
      };
      const check = async () => {
        try {
          const { active } = await lagOf(call.request);
          // KEDA only needs to hear about changes; the first answer tells it where we start.
          if (!ended && active !== last) call.write({ result: active });
          last = active;
        } catch (err) {
          options.log.warn({ err, ref: call.request }, 'StreamIsActive could not measure');
          if (err instanceof UnknownWorkloadError && !ended) {
            stop();
            call.emit('error', toServiceError(err));
            return;
          }
        }
        if (!ended) timer = setTimeout(() => void check(), options.streamIntervalMs ?? STREAM_IS_ACTIVE_INTERVAL_MS);
      };
      call.on('cancelled', stop);
      call.on('close', stop);
      void check();
    },
  };

  const server = new grpc.Server();
  server.addService(pkg.externalscaler.ExternalScaler.service, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host ?? '0.0.0.0'}:${options.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Open StreamIsActive calls would hold a graceful shutdown for ever.
        setTimeout(() => server.forceShutdown(), 1_000).unref();
      }),
  };
}
