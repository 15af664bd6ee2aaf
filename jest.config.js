// One Jest config for every workspace. TypeScript runs through SWC, so tests need no
// build step; ESM-only dependencies (the Kubernetes client and its own) are transformed too.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const esmOnly = [
  '@electric-sql/pglite',
  '@kubernetes/client-node',
  'openid-client',
  'oauth4webapi',
  'jose',
  'agent-base',
  'socks-proxy-agent',
  'jsep',
  '@jsep-plugin',
  'jsonpath-plus',
  'rfc4648',
];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['platform', 'functions', 'charts', 'scripts'].filter((dir) => existsSync(join(__dirname, dir))).map((dir) => `<rootDir>/${dir}`),
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.(t|j|mj|cj)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'node'],
  testTimeout: 30_000,
  cacheDirectory: '<rootDir>/.jest-cache',
};
