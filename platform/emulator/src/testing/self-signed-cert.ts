import { execFileSync } from 'node:child_process';

/**
 * Writes a one-day self-signed P-256 certificate for localhost and 127.0.0.1 (key to `keyFile`, certificate to
 * `certFile`) with openssl, for tests that serve or connect over TLS.
 */
export function writeSelfSignedCert(keyFile: string, certFile: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
}
