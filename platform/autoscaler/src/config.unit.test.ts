import { ConfigError, loadAutoscalerConfig } from './config';

describe('loadAutoscalerConfig', () => {
  test('defaults: the local emulator, info logs, fallback after 3 failures', () => {
    expect(loadAutoscalerConfig({ POD_NAMESPACE: 'shop' })).toEqual({
      esdbConnectionString: 'esdb://127.0.0.1:2113?tls=false',
      logLevel: 'info',
      namespace: 'shop',
      failureThreshold: 3,
      kedaGrpcPort: 9091,
      identity: expect.stringMatching(/^.+_[0-9a-f]{8}$/),
    });
  });

  test('the leader-election identity is the pod name plus a suffix unique to this process', () => {
    const first = loadAutoscalerConfig({ POD_NAME: 'spillway-autoscaler-7d9f-abcde' }).identity;
    const second = loadAutoscalerConfig({ POD_NAME: 'spillway-autoscaler-7d9f-abcde' }).identity;
    expect(first).toMatch(/^spillway-autoscaler-7d9f-abcde_[0-9a-f]{8}$/);
    expect(second).not.toBe(first);
  });

  test('reads every variable; an empty one counts as unset', () => {
    expect(
      loadAutoscalerConfig({
        ESDB_CONNECTION_STRING: 'esdb+discover://esdb.shop:2113',
        LOG_LEVEL: 'debug',
        POD_NAMESPACE: 'prod',
        FALLBACK_AFTER_FAILURES: '5',
        LAG_SCAN_CAP: '500',
        KEDA_GRPC_PORT: '7000',
        UNRELATED: '',
      }),
    ).toEqual({
      esdbConnectionString: 'esdb+discover://esdb.shop:2113',
      logLevel: 'debug',
      namespace: 'prod',
      failureThreshold: 5,
      scanCap: 500,
      identity: expect.any(String),
      kedaGrpcPort: 7000,
    });
    expect(loadAutoscalerConfig({ POD_NAMESPACE: 'x', LOG_LEVEL: '' }).logLevel).toBe('info');
  });

  test.each([
    { name: 'a blank KEDA_GRPC_PORT (would pick a random port)', env: { KEDA_GRPC_PORT: ' ' }, variable: 'KEDA_GRPC_PORT' },
    { name: 'a KEDA_GRPC_PORT out of range', env: { KEDA_GRPC_PORT: '70000' }, variable: 'KEDA_GRPC_PORT' },
    { name: 'a LAG_SCAN_CAP in exponent form', env: { LAG_SCAN_CAP: '1e4' }, variable: 'LAG_SCAN_CAP' },
    { name: 'a fractional FALLBACK_AFTER_FAILURES', env: { FALLBACK_AFTER_FAILURES: '2.5' }, variable: 'FALLBACK_AFTER_FAILURES' },
    { name: 'a POD_NAMESPACE Kubernetes cannot have', env: { POD_NAMESPACE: 'Shop_Prod' }, variable: 'POD_NAMESPACE' },
  ])('$name is refused, naming $variable', ({ env, variable }) => {
    expect(() => loadAutoscalerConfig(env)).toThrow(ConfigError);
    expect(() => loadAutoscalerConfig(env)).toThrow(new RegExp(`${variable}: `));
  });

  test('one error names every wrong variable', () => {
    let error: unknown;
    try {
      loadAutoscalerConfig({ ESDB_CONNECTION_STRING: 'http://nope', LOG_LEVEL: 'loud', FALLBACK_AFTER_FAILURES: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['ESDB_CONNECTION_STRING', 'LOG_LEVEL', 'FALLBACK_AFTER_FAILURES']) expect(problems).toContain(name);
  });
});
