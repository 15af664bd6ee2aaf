import { ConfigError, insecureEventStore, loadConfig } from './config';

describe('loadConfig', () => {
  test('an environment that only turns auth off gives the documented defaults', () => {
    const config = loadConfig({ AUTH: 'none' });
    expect(config).toMatchObject({
      auth: 'none',
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
    expect(loadConfig({ AUTH: 'none', ESDB_CONNECTION_STRING: 'esdb+discover://db:2113?tls=false' }).esdbConnectionString).toBe(
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
      auth: 'bearer',
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
    expect(loadConfig({ AUTH: 'none', PUBLIC_BASE_URL: given }).publicBaseUrl).toBe(expected);
    expect(loadConfig({ AUTH: 'none' }).publicBaseUrl).toBeUndefined();
  });

  test('one error names every wrong variable', () => {
    let error: unknown;
    try {
      loadConfig({ AUTH: 'none', PORT: 'eighty', LOG_LEVEL: 'loud', ESDB_CONNECTION_STRING: 'http://x', DRAIN_TIMEOUT_MS: '-1' });
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
    { name: 'an empty API_TOKENS (an empty Secret value)', env: { API_TOKENS: '' }, variable: 'API_TOKENS' },
    { name: 'a blank API_TOKENS', env: { API_TOKENS: '   ' }, variable: 'API_TOKENS' },
    { name: 'an empty API_TOKENS even with AUTH=none', env: { API_TOKENS: '', AUTH: 'none' }, variable: 'API_TOKENS' },
    { name: 'neither API_TOKENS nor AUTH=none (auth off by omission)', env: {}, variable: 'API_TOKENS' },
    { name: 'an AUTH that means nothing', env: { AUTH: 'off', API_TOKENS: 't' }, variable: 'AUTH' },
    { name: 'an empty AUTH', env: { AUTH: '', API_TOKENS: 't' }, variable: 'AUTH' },
    { name: 'AUTH=none with tokens (which one is meant?)', env: { AUTH: 'none', API_TOKENS: 't' }, variable: 'AUTH' },
  ])('$name is refused, naming $variable', ({ env, variable }) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`invalid configuration: ${variable}: `));
  });

  test('RETRY_* variables override the declared retry policy field by field; unset ones are left out', () => {
    expect(loadConfig({ AUTH: 'none' }).retry).toEqual({});
    expect(
      loadConfig({
        AUTH: 'none',
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
    expect(loadConfig({ AUTH: 'none', PORT: '' }).port).toBe(8080);
  });
});

describe('insecureEventStore', () => {
  test.each([
    { name: 'the local default', value: 'esdb://127.0.0.1:2113?tls=false', insecure: false },
    { name: 'localhost without TLS', value: 'esdb://localhost:2113?tls=false', insecure: false },
    { name: 'IPv6 loopback without TLS', value: 'esdb://[::1]:2113?tls=false', insecure: false },
    { name: 'a remote host with TLS (the default)', value: 'esdb://db.example:2113', insecure: false },
    { name: 'a remote host without TLS', value: 'esdb://db:2113?tls=false', insecure: true },
    { name: 'a remote host, TLS spelt in capitals', value: 'esdb://db:2113?Tls=FALSE', insecure: true },
    {
      name: 'credentials and a cluster, one remote',
      value: 'esdb+discover://admin:changeit@127.0.0.1:2113,db:2113?tls=false',
      insecure: true,
    },
    { name: 'certificates not checked', value: 'esdb://db:2113?tlsVerifyCert=false', insecure: true },
  ])('$name: insecure $insecure', ({ value, insecure }) => {
    expect(insecureEventStore(value) !== undefined).toBe(insecure);
  });
});
