import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  test('an empty environment gives the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      esdbConnectionString: 'esdb://127.0.0.1:2113?tls=false',
      port: 8080,
      logLevel: 'info',
      drainTimeoutMs: 25_000,
      apiTokens: [],
      bodyLimitBytes: 102_400,
    });
    expect(config.namespace).toBeUndefined();
  });

  test('takes the esdb+discover:// form (a cluster, or a node found through Gossip)', () => {
    expect(loadConfig({ ESDB_CONNECTION_STRING: 'esdb+discover://db:2113?tls=false' }).esdbConnectionString).toBe(
      'esdb+discover://db:2113?tls=false',
    );
  });

  test('parses every variable', () => {
    const config = loadConfig({
      ESDB_CONNECTION_STRING: 'esdb://db:2113?tls=false',
      PORT: '9000',
      LOG_LEVEL: 'debug',
      DRAIN_TIMEOUT_MS: '1000',
      API_TOKENS: ' a , b,,',
      BODY_LIMIT_BYTES: '2048',
      CONCURRENCY: '4',
      POD_NAMESPACE: 'shop-staging',
    });
    expect(config).toMatchObject({
      esdbConnectionString: 'esdb://db:2113?tls=false',
      port: 9000,
      logLevel: 'debug',
      drainTimeoutMs: 1000,
      apiTokens: ['a', 'b'],
      bodyLimitBytes: 2048,
      concurrency: 4,
      namespace: 'shop-staging',
    });
  });

  test.each([
    { given: 'http://127.0.0.1:8080', expected: 'http://127.0.0.1:8080' },
    { given: 'https://shop.example.com/api/', expected: 'https://shop.example.com/api' },
  ])('PUBLIC_BASE_URL $given is kept without a trailing slash', ({ given, expected }) => {
    expect(loadConfig({ PUBLIC_BASE_URL: given }).publicBaseUrl).toBe(expected);
    expect(loadConfig({}).publicBaseUrl).toBeUndefined();
  });

  test('one error names every wrong variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', ESDB_CONNECTION_STRING: 'http://x', DRAIN_TIMEOUT_MS: '-1' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['DRAIN_TIMEOUT_MS', 'ESDB_CONNECTION_STRING', 'LOG_LEVEL', 'PORT']);
    expect((error as ConfigError).message).toMatch(/^invalid configuration: /);
  });

  test.each([
    { name: 'a blank PORT (would pick a random port)', env: { PORT: ' ' }, variable: 'PORT' },
    { name: 'a PORT in exponent form', env: { PORT: '8e3' }, variable: 'PORT' },
    { name: 'a PORT out of range', env: { PORT: '70000' }, variable: 'PORT' },
    { name: 'a fractional DRAIN_TIMEOUT_MS', env: { DRAIN_TIMEOUT_MS: '1.5' }, variable: 'DRAIN_TIMEOUT_MS' },
    { name: 'a zero CONCURRENCY', env: { CONCURRENCY: '0' }, variable: 'CONCURRENCY' },
    { name: 'a hexadecimal BODY_LIMIT_BYTES', env: { BODY_LIMIT_BYTES: '0x400' }, variable: 'BODY_LIMIT_BYTES' },
    { name: 'a POD_NAMESPACE Kubernetes cannot name', env: { POD_NAMESPACE: 'Shop_1' }, variable: 'POD_NAMESPACE' },
    { name: 'a RETRY_FACTOR below 1 (delays would shrink)', env: { RETRY_FACTOR: '0.5' }, variable: 'RETRY_FACTOR' },
    { name: 'a RETRY_FACTOR in exponent form', env: { RETRY_FACTOR: '2e0' }, variable: 'RETRY_FACTOR' },
    { name: 'a zero RETRY_MAX_ATTEMPTS (not even one attempt)', env: { RETRY_MAX_ATTEMPTS: '0' }, variable: 'RETRY_MAX_ATTEMPTS' },
    { name: 'a negative RETRY_MAX_ELAPSED_MS', env: { RETRY_MAX_ELAPSED_MS: '-5' }, variable: 'RETRY_MAX_ELAPSED_MS' },
    { name: 'API_TOKENS that lists no token (would turn auth off)', env: { API_TOKENS: ' , ' }, variable: 'API_TOKENS' },
    { name: 'a PUBLIC_BASE_URL that is not http(s)', env: { PUBLIC_BASE_URL: 'ftp://gateway' }, variable: 'PUBLIC_BASE_URL' },
    { name: 'a PUBLIC_BASE_URL with a query', env: { PUBLIC_BASE_URL: 'http://gateway/?x=1' }, variable: 'PUBLIC_BASE_URL' },
    { name: 'a PUBLIC_BASE_URL without a scheme', env: { PUBLIC_BASE_URL: 'gateway:8080' }, variable: 'PUBLIC_BASE_URL' },
  ])('$name is refused, naming $variable', ({ env, variable }) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`invalid configuration: ${variable}: `));
  });

  test('RETRY_* variables override the declared retry policy field by field; unset ones are left out', () => {
    expect(loadConfig({}).retry).toEqual({});
    expect(
      loadConfig({
        RETRY_INITIAL_DELAY_MS: '50',
        RETRY_FACTOR: '1.5',
        RETRY_MAX_DELAY_MS: '2000',
        RETRY_MAX_ATTEMPTS: '4',
        RETRY_MAX_ELAPSED_MS: '9000',
      }).retry,
    ).toEqual({
      initialDelayMs: 50,
      factor: 1.5,
      maxDelayMs: 2000,
      maxAttempts: 4,
      maxElapsedMs: 9000,
    });
  });

  test('an empty value counts as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(8080);
  });
});
