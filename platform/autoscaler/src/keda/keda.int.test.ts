import { request } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { ScalingSpec } from '../annotations/annotations';
import { Scaler } from '../loop/scaler';
import { AutoscalerMetrics } from '../metrics/autoscaler-metrics';
import { captureLog } from '../test-kit/capture-log';
import { ControlledLagSource } from '../test-kit/controlled-lag-source';
import { RecordingScaleTarget } from '../test-kit/recording-scale-target';
import { type ExternalScalerServer, LAG_METRIC, loadExternalScalerPackage, startExternalScaler } from './external-scaler';
import { type HttpApi, startHttpApi } from './http-api';

const spec: ScalingSpec = {
  subscription: { kind: 'stream', stream: 'orders', group: 'projector' },
  minReplicas: 0,
  maxReplicas: 10,
  lagPerReplica: 50,
  activationLag: 5,
  policy: 'lag',
  targetDrainSeconds: 60,
  scaleDownStabilizationSeconds: 300,
  cooldownSeconds: 300,
};

type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

describe('KEDA compatibility: metrics-api endpoint and external scaler gRPC service', () => {
  let scaler: Scaler;
  let source: ControlledLagSource;
  let http: HttpApi;
  let grpcServer: ExternalScalerServer;
  let client: Client;
  const metrics = new AutoscalerMetrics();

  beforeEach(async () => {
    const { log } = captureLog();
    source = new ControlledLagSource('orders::projector', 0);
    scaler = new Scaler({ lagSource: () => source, log, metrics, dryRun: true });
    scaler.upsert({ namespace: 'shop', name: 'order-projector', spec, target: new RecordingScaleTarget(1) });
    http = await startHttpApi({ scaler, metrics, log, defaultNamespace: 'shop', host: '127.0.0.1', port: 0 });
    grpcServer = await startExternalScaler({ scaler, log, host: '127.0.0.1', port: 0, streamIntervalMs: 50 });
    const pkg = loadExternalScalerPackage() as unknown as { externalscaler: { ExternalScaler: grpc.ServiceClientConstructor } };
    client = new pkg.externalscaler.ExternalScaler(`127.0.0.1:${grpcServer.port}`, grpc.credentials.createInsecure()) as unknown as Client;
  });

  afterEach(async () => {
    client.close();
    await grpcServer.close();
    await http.close();
    await scaler.stop();
  });

  const get = (path: string) => fetch(`http://127.0.0.1:${http.port}${path}`);
  const call = <T>(method: string, request: unknown) =>
    new Promise<T>((resolve, reject) => {
      (client[method] as (r: unknown, cb: (err: grpc.ServiceError | null, res: T) => void) => void).call(client, request, (err, res) =>
        err ? reject(err) : resolve(res),
      );
    });
  const ref = { name: 'order-projector', namespace: 'shop', scalerMetadata: {} };

  test('GET /keda/lag returns the lag for KEDA metrics-api (valueLocation: lag)', async () => {
    source.set(420, { parked: 3 });
    const res = await get('/keda/lag?namespace=shop&deployment=order-projector');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ lag: 420, parked: 3, active: true, lagPerReplica: 50, subscription: 'orders::projector' });
    const defaulted = await get('/keda/lag?deployment=order-projector');
    expect(defaulted.status).toBe(200);
  });

  test('GET /keda/lag: 400 without deployment, 404 for an unknown one, 503 while measuring fails', async () => {
    expect((await get('/keda/lag')).status).toBe(400);
    const unknown = await get('/keda/lag?namespace=shop&deployment=nope');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    source.fail(new Error('UNAVAILABLE'));
    await scaler.tick();
    expect((await get('/keda/lag?namespace=shop&deployment=order-projector')).status).toBe(503);
  });

  test('a request target that is not a URL path -> 400, not a 500', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: http.port, path: '//host:99999/x' }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
  });

  test('GET /livez and /readyz answer the kubelet probes', async () => {
    expect((await get('/livez')).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
  });

  test('GET /metrics serves the Prometheus metrics after a tick', async () => {
    source.set(120);
    await scaler.tick();
    const body = await (await get('/metrics')).text();
    expect(body).toContain(
      'spillway_autoscaler_lag_events{namespace="shop",workload="order-projector",subscription="orders::projector",group="projector",app="spillway-autoscaler"} 120',
    );
    expect(body).toContain(
      'spillway_autoscaler_scaling_decisions_total{namespace="shop",workload="order-projector",subscription="orders::projector",group="projector",direction="up"',
    );
  });

  test('IsActive follows the activation threshold', async () => {
    source.set(5);
    expect(await call('IsActive', ref)).toEqual({ result: false });
    source.set(6);
    expect(await call('IsActive', ref)).toEqual({ result: true });
  });

  test('GetMetricSpec targets lag-per-replica; GetMetrics returns the lag', async () => {
    source.set(333);
    const specResponse = await call<{ metricSpecs: { metricName: string; targetSize: number; targetSizeFloat: number }[] }>(
      'GetMetricSpec',
      ref,
    );
    expect(specResponse.metricSpecs).toEqual([{ metricName: LAG_METRIC, targetSize: 50, targetSizeFloat: 50 }]);
    const values = await call<{ metricValues: unknown[] }>('GetMetrics', { scaledObjectRef: ref, metricName: 's0-spillway-lag' });
    expect(values.metricValues).toEqual([{ metricName: 's0-spillway-lag', metricValue: 333, metricValueFloat: 333 }]);
  });

  test('scalerMetadata.deployment names the Deployment when the ScaledObject is named differently', async () => {
    source.set(7);
    expect(await call('IsActive', { name: 'so-1', namespace: 'shop', scalerMetadata: { deployment: 'order-projector' } })).toEqual({
      result: true,
    });
    // The chart's external trigger also names the namespace in the metadata.
    const elsewhere = { name: 'so-1', namespace: 'other', scalerMetadata: { namespace: 'shop', deployment: 'order-projector' } };
    expect(await call('IsActive', elsewhere)).toEqual({ result: true });
    await expect(call('IsActive', { name: 'so-1', namespace: 'shop', scalerMetadata: {} })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });

  test('a failing measurement is UNAVAILABLE, so KEDA applies its own fallback', async () => {
    source.fail(new Error('down'));
    await expect(call('GetMetrics', { scaledObjectRef: ref, metricName: LAG_METRIC })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  test('StreamIsActive pushes the current state, then each change', async () => {
    source.set(0);
    const stream = (client['StreamIsActive'] as (r: unknown) => grpc.ClientReadableStream<{ result: boolean }>).call(client, ref);
    const seen: boolean[] = [];
    const done = new Promise<void>((resolve) => {
      stream.on('data', (message: { result: boolean }) => {
        seen.push(message.result);
        if (seen.length === 1) source.set(100);
        if (seen.length === 2) resolve();
      });
    });
    stream.on('error', () => undefined);
    await done;
    stream.cancel();
    expect(seen).toEqual([false, true]);
  });
});
